package vlmq.engine.qwen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vlmq.engine.image.ImageProcessorConfig;
import vlmq.engine.image.PixelValues;
import vlmq.engine.image.QwenImageProcessor;
import vlmq.engine.image.RgbImage;
import vlmq.engine.tensor.Matrix;

/**
 * The engine against transformers 5.18 (float32, eager attention) on the tiny Qwen2-VL, Qwen2.5-VL, Qwen3-VL and
 * Qwen3.5 fixtures (both key layouts) and the bundled real-vocabulary demo: every stage
 * tools/dump_engine_reference.py recorded, for text only, square, wide (unequal windows), tiny (upscaled) and
 * two-image prompts, then 32 greedy tokens (Qwen3.5: with every step's logits, and a 98-token prompt through a
 * slowly decaying DeltaNet). Prints the per-stage error table.
 */
class QwenVlParityTest {
  /** Stages must agree to this max relative error (max|a−b| / max|b|); the spec's numpy port reached ~1e-6. */
  private static final double TOLERANCE = 1e-4;
  private static final int NEW_TOKENS = 32;
  private static final Parity TABLE = new Parity();

  /** A model folder, the dump folder its references are in, the image processor of its inputs, and one input. */
  record Case(String label, Path dir, String dumps, String processor, String input) {
    @Override
    public String toString() {
      return label + "/" + input;
    }
  }

  static Stream<Case> cases() {
    var p14 = List.of("text", "square", "wide", "tiny", "two_images");
    var out = new ArrayList<Case>();
    for (String input : p14) {
      out.add(new Case("qwen2_5_vl", fixture("qwen2_5_vl"), "qwen2_5_vl", "p14", input));
      out.add(new Case("qwen2_5_vl_native", fixture("qwen2_5_vl_native"), "qwen2_5_vl", "p14", input));
      out.add(new Case("qwen2_vl", fixture("qwen2_vl"), "qwen2_vl", "p14", input));
      out.add(new Case("qwen2_vl_native", fixture("qwen2_vl_native"), "qwen2_vl", "p14", input));
    }
    for (String input : List.of("text", "wide", "two_images")) {
      out.add(new Case("demo", Dump.resource("/vlmq/demo/qwen2_5_vl_tiny"), "demo", "p14", input));
    }
    for (String input : List.of("text", "square", "wide", "two_images")) {
      out.add(new Case("qwen3_vl", fixture("qwen3_vl"), "qwen3_vl", "p16", input));
      out.add(new Case("qwen3_5", fixture("qwen3_5"), "qwen3_5", "p16", input));
    }
    out.add(new Case("qwen3_5", fixture("qwen3_5"), "qwen3_5", "p16", "long_slow_decay"));
    return out.stream();
  }

  private static Path fixture(String name) {
    return Dump.resource("/fixtures/" + name);
  }

  /** Copies of every activation the observer is shown during the prompt's forward pass (not the decode steps). */
  static final class Recorder implements ForwardObserver {
    final Map<String, float[]> saved = new HashMap<>();
    int[][] positions;
    int ropeDelta;

    private void keep(String name, Matrix m) {
      saved.putIfAbsent(name, m.toArray());
    }

    @Override
    public void visionPatchEmbed(Matrix x) {
      keep("vision.patch_embed", x);
    }

    @Override
    public void visionBlocksInput(Matrix x) {
      keep("vision.blocks_in", x);
    }

    @Override
    public void visionBlock(int block, Matrix x) {
      keep("vision.block." + block, x);
    }

    @Override
    public void deepstackFeatures(int index, Matrix x) {
      keep("vision.deepstack." + index, x);
    }

    @Override
    public void imageFeatures(Matrix x) {
      keep("image_features", x);
    }

    @Override
    public void positions(int[][] rows, int delta) {
      positions = rows;
      ropeDelta = delta;
    }

    @Override
    public void inputEmbeddings(Matrix x) {
      keep("inputs_embeds", x);
    }

    @Override
    public void decoderMixer(int layer, int start, Matrix x) {
      if (start == 0) keep("mixer." + layer, x);
    }

    @Override
    public void decoderLayer(int layer, int start, Matrix x) {
      if (start == 0) keep("layer." + layer, x);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyStageAndTheGreedyTokensMatchTransformers(Case c, @TempDir Path tmp) throws IOException {
    try (var ref = Dump.open(c.dumps, c.input); var model = QwenVlModel.load(withOverrides(c.dir, ref, tmp))) {
      int merge = model.config().vision().mergeSize();
      PixelValues pixels = ref.has("image_grid_thw")
          ? inputs(c).pixels(merge)
          : new PixelValues(new float[0], 0, model.config().vision().patchValues(), List.of(), merge);
      Prompt prompt = model.prompt(ref.ints("prompt_ids"), pixels);
      assertThat(prompt.inputIds()).as("image_pad expansion").isEqualTo(ref.ints("input_ids"));

      var recorder = new Recorder();
      float[] logits = model.forward(prompt, recorder);

      var stages = new ArrayList<String>();
      for (String stage : List.of("vision.patch_embed", "vision.blocks_in")) stages.add(stage);
      IntStream.range(0, model.config().vision().depth()).forEach(i -> stages.add("vision.block." + i));
      IntStream.range(0, model.config().vision().deepstackIndexes().length)
          .forEach(i -> stages.add("vision.deepstack." + i));
      stages.add("image_features");
      stages.add("inputs_embeds");
      IntStream.range(0, model.config().text().layers()).forEach(i -> {
        stages.add("mixer." + i);
        stages.add("layer." + i);
      });
      for (String stage : stages) {
        if (!ref.has(stage)) {
          if (stage.startsWith("vision.") || stage.equals("image_features")) {
            assertThat(recorder.saved).as("engine ran %s without images", stage).doesNotContainKey(stage);
          }
          continue;
        }
        check(c, stage, recorder.saved.get(stage), ref.floats(stage));
      }

      int[] expectedPositions = ref.ints("position_ids");
      int n = prompt.length();
      for (int r = 0; r < 3; r++) {
        assertThat(recorder.positions[r]).as("position row %d", r)
            .isEqualTo(Arrays.copyOfRange(expectedPositions, r * n, (r + 1) * n));
      }
      assertThat(recorder.ropeDelta).as("rope delta").isEqualTo(ref.ints("rope_deltas")[0]);

      if (ref.has("logits")) {
        check(c, "logits", logits, ref.floats("logits"));
      } else {
        int[] ids = ref.ints("logits_last_topk_ids");
        int last = (n - 1) * model.vocabSize();
        float[] top = new float[ids.length];
        for (int i = 0; i < ids.length; i++) top[i] = logits[last + ids[i]];
        check(c, "logits (last, top64)", top, ref.floats("logits_last_topk_values"));
      }

      var stepLogits = new ArrayList<float[]>();
      Sampler greedy = Sampler.greedy();
      Sampler recording = (step, sequence, length) -> {
        stepLogits.add(step.clone());
        return greedy.next(step, sequence, length);
      };
      Generation generation = model.generate(prompt, NEW_TOKENS, Set.of(), recording, ForwardObserver.NONE,
          token -> {});
      if (ref.has("generated_logits")) {
        int vocab = model.vocabSize();
        float[] expectedSteps = ref.floats("generated_logits");
        float[] steps = new float[expectedSteps.length];
        for (int i = 0; i < stepLogits.size(); i++) System.arraycopy(stepLogits.get(i), 0, steps, i * vocab, vocab);
        check(c, "decode step logits", steps, expectedSteps);
      }
      int[] expected = ref.ints("generated");
      int same = 0;
      while (same < expected.length && generation.tokens()[same] == expected[same]) same++;
      TABLE.note(c.label, c.input, "greedy tokens", same + "/" + expected.length + " equal");
      assertThat(generation.tokens()).as("greedy tokens").isEqualTo(expected);
      assertThat(generation.stopped()).isFalse();
      if (ref.has("generated_penalised")) {
        Sampler penalised = Sampler.of(0, 0, 1, model.repetitionPenalty(), 0);
        int[] tokens = model.generate(prompt, NEW_TOKENS, Set.of(), penalised, ForwardObserver.NONE, token -> {})
            .tokens();
        assertThat(model.repetitionPenalty()).isEqualTo(1.05);
        assertThat(tokens).as("greedy tokens, repetition penalty").isEqualTo(ref.ints("generated_penalised"));
      }
    }
  }

  /**
   * The model folder with the dump's {@code A_log_override.<layer>} values (bf16) written over the DeltaNet decay
   * parameters, in a copy under {@code tmp}; the folder itself when the dump has none.
   */
  private static Path withOverrides(Path dir, Dump ref, Path tmp) throws IOException {
    var overrides = ref.names().stream().filter(n -> n.startsWith("A_log_override.")).toList();
    if (overrides.isEmpty()) return dir;
    Files.copy(dir.resolve("config.json"), tmp.resolve("config.json"));
    Path weights = Files.copy(dir.resolve("model.safetensors"), tmp.resolve("model.safetensors"));
    try (var file = FileChannel.open(weights, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      var length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      file.read(length, 0);
      long headerLength = length.getLong(0);
      var header = ByteBuffer.allocate(Math.toIntExact(headerLength));
      file.read(header, 8);
      JsonNode entries = new ObjectMapper().readTree(header.array());
      for (String name : overrides) {
        String tensor = "model.language_model.layers." + name.substring(name.indexOf('.') + 1) + ".linear_attn.A_log";
        JsonNode entry = entries.get(tensor);
        assertThat(entry.get("dtype").asText()).isEqualTo("BF16");
        float[] values = ref.floats(name);
        var bytes = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) bytes.putShort((short) (Float.floatToIntBits(v) >>> 16));
        file.write(bytes.flip(), 8 + headerLength + entry.get("data_offsets").get(0).asLong());
      }
    }
    return tmp;
  }

  private static Dump inputs(Case c) {
    return Dump.open("inputs", c.processor, c.input);
  }

  private static void check(Case c, String stage, float[] actual, float[] expected) {
    assertThat(actual).as("%s was not observed", stage).isNotNull();
    Parity.Error e = Parity.Error.of(actual, expected);
    TABLE.add(c.label, c.input, stage, e);
    assertThat(e.maxRelative()).as("%s max relative error", stage).isLessThanOrEqualTo(TOLERANCE);
  }

  /** The engine's own preprocessing of the PNGs gives transformers' pixel_values (the models above use these). */
  @ParameterizedTest(name = "{0}/{1}")
  @MethodSource("imageInputs")
  void javaPreprocessingReproducesThePixelValues(String processor, String input) throws Exception {
    var images = new ArrayList<RgbImage>();
    for (int k = 0; Files.exists(Dump.ROOT.resolve("inputs/" + processor + "/" + input + "_" + k + ".png")); k++) {
      images.add(RgbImage.read(Dump.ROOT.resolve("inputs/" + processor + "/" + input + "_" + k + ".png")));
    }
    ImageProcessorConfig config = processor.equals("p14") ? ImageProcessorConfig.qwen25vlDefaults()
        : new ImageProcessorConfig(16, 2, 2, 1024, 16777216, true, true, 1.0 / 255, true,
            new double[] {0.5, 0.5, 0.5}, new double[] {0.5, 0.5, 0.5});
    PixelValues pixels = new QwenImageProcessor(config).process(images);
    try (var ref = Dump.open("inputs", processor, input)) {
      assertThat(pixels.gridThw()).isEqualTo(ref.grids());
      Parity.Error e = Parity.Error.of(pixels.data(), ref.floats("pixel_values"));
      TABLE.add(processor, input, "pixel_values", e);
      assertThat(e.maxRelative()).isLessThanOrEqualTo(1e-6);
    }
  }

  static Stream<Arguments> imageInputs() {
    return Stream.of("p14/square", "p14/wide", "p14/tiny", "p14/two_images", "p16/square", "p16/wide",
        "p16/two_images").map(s -> Arguments.of(s.split("/")[0], s.split("/")[1]));
  }

  @AfterAll
  static void printTable() {
    TABLE.print("Engine vs transformers 5.18 (float32, eager): max|a-b|/max|b| and element-wise relative error");
  }
}
