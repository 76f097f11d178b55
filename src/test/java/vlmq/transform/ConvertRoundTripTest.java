package vlmq.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.quantize.CheckpointFormat;
import vlmq.quantize.ProgressListener;
import vlmq.quantize.QuantizeJob;
import vlmq.recipe.Recipe;

/**
 * compressed-tensors → ModelOpt → compressed-tensors on {@code vlmq quantize} outputs of the Qwen2.5-VL fixture
 * gives the same tensors, the same config.json and the same safetensors file, byte for byte; and compressed-tensors
 * → ModelOpt gives exactly what {@code vlmq quantize --format modelopt} writes.
 */
class ConvertRoundTripTest {
  private static final Path FIXTURE = Path.of("src/test/resources/fixtures/qwen2_5_vl");

  /** FP8 per-tensor weights with dynamic per-token activations: the data-free per-tensor FP8 a recipe can ask for. */
  static final String FP8_PER_TENSOR = """
      QuantizationModifier:
        ignore: ['re:.*visual.*', lm_head]
        config_groups:
          group_0:
            targets: [Linear]
            weights: {num_bits: 8, type: float, strategy: tensor, symmetric: true, dynamic: false}
            input_activations: {num_bits: 8, type: float, strategy: token, symmetric: true, dynamic: true}
      """;

  static Recipe recipe(String scheme) {
    return scheme.equals("FP8_PER_TENSOR") ? Recipe.parse(FP8_PER_TENSOR, "fp8-per-tensor.yaml")
        : Recipe.fromPreset(scheme, List.of());
  }

  static Path quantize(String scheme, Path out, CheckpointFormat format) {
    return QuantizeJob.run(new QuantizeJob.Request(FIXTURE, out, recipe(scheme), false,
        CheckpointWriter.DEFAULT_MAX_SHARD_BYTES, 2, format), ProgressListener.NONE).output();
  }

  @ParameterizedTest
  @ValueSource(strings = {"FP8_DYNAMIC", "FP8_PER_TENSOR", "NVFP4A16"})
  void compressedTensorsToModelOptAndBackIsByteIdentical(String scheme, @TempDir Path tmp) throws IOException {
    var ct = quantize(scheme, tmp.resolve("ct"), CheckpointFormat.COMPRESSED_TENSORS);
    var mo = Convert.run(ct, tmp.resolve("mo"), CheckpointFormat.MODELOPT);
    var back = Convert.run(mo.output(), tmp.resolve("back"), CheckpointFormat.COMPRESSED_TENSORS);
    assertThat(mo.modules()).isEqualTo(14);
    assertThat(back.modules()).isEqualTo(14);

    int compared = sameTensors(ct, back.output());
    assertThat(compared).isEqualTo(tensorCount(ct));
    assertThat(Files.readString(back.output().resolve("config.json")))
        .isEqualTo(Files.readString(ct.resolve("config.json")));
    assertThat(Files.mismatch(back.output().resolve("model.safetensors"), ct.resolve("model.safetensors")))
        .isEqualTo(-1);
    assertThat(back.output().resolve("hf_quant_config.json")).doesNotExist();

    // quantize --format modelopt is the same checkpoint as quantize + convert
    var direct = quantize(scheme, tmp.resolve("direct"), CheckpointFormat.MODELOPT);
    sameTensors(direct, mo.output());
    for (var file : List.of("config.json", "hf_quant_config.json", "model.safetensors")) {
      assertThat(Files.mismatch(direct.resolve(file), mo.output().resolve(file))).as(file).isEqualTo(-1);
    }
  }

  /** Asserts both checkpoints hold the same tensors (names, dtypes, shapes, bytes); returns how many. */
  static int sameTensors(Path a, Path b) {
    try (var x = Checkpoint.open(a); var y = Checkpoint.open(b)) {
      assertThat(y.tensors()).extracting(Checkpoint.Tensor::name)
          .containsExactlyElementsOf(x.tensors().stream().map(Checkpoint.Tensor::name).toList());
      for (var t : x.tensors()) {
        var u = y.find(t.name()).orElseThrow();
        assertThat(u.dtype()).as(t.name()).isEqualTo(t.dtype());
        assertThat(u.shape()).as(t.name()).isEqualTo(t.shape());
        assertThat(u.data().mismatch(t.data())).as(t.name()).isEqualTo(-1);
      }
      return x.tensors().size();
    }
  }

  static int tensorCount(Path dir) {
    try (var c = Checkpoint.open(dir)) {
      return c.tensors().size();
    }
  }
}
