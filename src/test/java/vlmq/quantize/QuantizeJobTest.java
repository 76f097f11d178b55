package vlmq.quantize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vlmq.VlmqException;
import vlmq.io.PythonJson;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.recipe.Recipe;

class QuantizeJobTest {
  private static final Path FIXTURES = Path.of("src/test/resources/fixtures");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static QuantizeJob.Result quantize(String fixture, String scheme, Path out, int threads) {
    return QuantizeJob.run(new QuantizeJob.Request(FIXTURES.resolve(fixture), out, Recipe.fromPreset(scheme, List.of()),
        false, CheckpointWriter.DEFAULT_MAX_SHARD_BYTES, threads), ProgressListener.NONE);
  }

  /**
   * Every quantized tensor the multi-threaded job writes has the SHA-256 that tools/ct_reference.py (compressed-tensors'
   * arithmetic in PyTorch) computed for the same fixture weight; NVFP4 q/k/v and gate/up share one global scale.
   */
  @ParameterizedTest
  @ValueSource(strings = {"FP8_DYNAMIC", "W4A16", "NVFP4A16", "FP8_BLOCK", "W8A8"})
  void quantizedTensorsMatchTheReference(String scheme, @TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("out");
    quantize("qwen2_5_vl", scheme, out, 3);
    JsonNode expected = JSON.readTree(Path.of("src/test/resources/quant/fixtures/qwen2_5_vl-expected.json").toFile());
    int compared = 0;
    try (Checkpoint result = Checkpoint.open(out)) {
      for (JsonNode c : expected.path("cases")) {
        if (!c.path("scheme").asText().equals(scheme)) continue;
        String module = c.path("tensor").asText().replaceFirst("\\.weight$", "");
        if (result.find(module + ".weight_scale").isEmpty()) continue; // kept native by the default plan
        for (var e : c.path("outputs").properties()) {
          var tensor = result.find(module + "." + e.getKey()).orElseThrow();
          assertThat(tensor.dtype().headerName()).isEqualTo(e.getValue().path("dtype").asText());
          assertThat(sha256(tensor.data().toArray(ValueLayout.JAVA_BYTE))).as(tensor.name())
              .isEqualTo(e.getValue().path("sha256").asText());
          compared++;
        }
      }
    }
    assertThat(compared).as("quantized tensors compared").isGreaterThanOrEqualTo(14 * 2);
  }

  @Test
  void keptTensorsAreCopiedByteForByteAndServingFilesComeAlong(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("out");
    var result = quantize("qwen2_5_vl", "FP8_DYNAMIC", out, 2);
    assertThat(result.output()).isEqualTo(out);
    try (Checkpoint in = Checkpoint.open(FIXTURES.resolve("qwen2_5_vl")); Checkpoint q = Checkpoint.open(out)) {
      for (var t : in.tensors()) {
        if (t.name().startsWith("model.layers.") && t.name().endsWith("proj.weight")) {
          assertThat(q.find(t.name()).orElseThrow().dtype().headerName()).isEqualTo("F8_E4M3");
          continue;
        }
        var copy = q.find(t.name()).orElseThrow();
        assertThat(copy.data().mismatch(t.data())).as(t.name()).isEqualTo(-1);
      }
    }
    try (Stream<Path> files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("config.json", "model.safetensors", "recipe.yaml", "README.md", "expected.json");
    }
  }

  @Test
  void configJsonIsWhatCompressedTensorsWrites(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("out");
    quantize("qwen2_5_vl", "FP8_DYNAMIC", out, 1);
    String text = Files.readString(out.resolve("config.json"));
    JsonNode config = JSON.readTree(text);
    assertThat(text).isEqualTo(PythonJson.dumps(config) + "\n");
    JsonNode q = config.path("quantization_config");
    assertThat(q.path("quant_method").asText()).isEqualTo("compressed-tensors");
    assertThat(q.path("format").asText()).isEqualTo("float-quantized");
    assertThat(q.path("quantization_status").asText()).isEqualTo("compressed");
    assertThat(q.path("config_groups").path("group_0").path("weights").path("strategy").asText()).isEqualTo("channel");
    List<String> ignore = JSON.convertValue(q.path("ignore"), JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    // the checkpoint spelling for vLLM and the transformers 5.x runtime spelling for transformers
    assertThat(ignore).contains("visual.blocks.0.attn.qkv", "model.visual.blocks.0.attn.qkv", "lm_head");
    assertThat(ignore).noneMatch(n -> n.contains("self_attn"));
    Map<String, Object> original = JSON.readValue(FIXTURES.resolve("qwen2_5_vl/config.json").toFile(), Map.class);
    original.keySet().forEach(k -> assertThat(config.has(k)).as(k).isTrue());
    assertThat(Recipe.read(out.resolve("recipe.yaml")).ignore()).isNotEmpty();
    assertThat(Files.readString(out.resolve("README.md"))).contains("vllm serve", "from_pretrained", "FP8_DYNAMIC", "vision");
  }

  @Test
  void refusesAnExistingOutputAndLeavesNoStagingBehind(@TempDir Path tmp) throws IOException {
    Path out = Files.createDirectories(tmp.resolve("out"));
    assertThatThrownBy(() -> quantize("qwen2_5_vl", "FP8_DYNAMIC", out, 1)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("out");
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("out");
    }
  }

  @Test
  void refusesAnAlreadyQuantizedCheckpoint(@TempDir Path tmp) {
    Path once = tmp.resolve("once");
    quantize("qwen2_5_vl", "FP8_DYNAMIC", once, 1);
    assertThatThrownBy(() -> QuantizeJob.plan(once, Recipe.fromPreset("W4A16", List.of()), false))
        .isInstanceOf(VlmqException.class).hasMessageContaining("already quantized");
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void unitBuffersOfAllThreadsFitAQuarterOfTheMemoryLimit() {
    long limit = Runtime.getRuntime().maxMemory(); // the default direct-memory limit too
    for (int threads : new int[] {1, 2, 16, 64, 256}) {
      long unit = QuantizeJob.unitBytes(threads);
      assertThat(unit).isBetween(256L << 10, 8L << 20);
      if (unit > 256L << 10) assertThat(2 * unit * threads).isLessThanOrEqualTo(limit / 4);
    }
  }
}
