package vlmq.quantize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import vlmq.VlmqException;
import vlmq.check.Checker;
import vlmq.check.Finding;
import vlmq.check.Target;
import vlmq.format.modelopt.FloatElements;
import vlmq.format.modelopt.ModelOptConfig;
import vlmq.format.modelopt.QuantAlgo;
import vlmq.format.modelopt.Reciprocal;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.numeric.DType;
import vlmq.recipe.Recipe;

/** {@code vlmq quantize --format modelopt} on the Qwen2.5-VL fixture, against the compressed-tensors output. */
class ModelOptQuantizeTest {
  private static final Path FIXTURE = Path.of("src/test/resources/fixtures/qwen2_5_vl");
  private static final ObjectMapper JSON = new ObjectMapper();

  static Path quantize(String scheme, Path out, CheckpointFormat format) {
    return QuantizeJob.run(new QuantizeJob.Request(FIXTURE, out, Recipe.fromPreset(scheme, List.of()), false,
        CheckpointWriter.DEFAULT_MAX_SHARD_BYTES, 2, format), ProgressListener.NONE).output();
  }

  @ParameterizedTest
  @CsvSource({"FP8_DYNAMIC, FP8_PER_CHANNEL_PER_TOKEN", "NVFP4A16, W4A16_NVFP4"})
  void holdsTheSameCodesAsCompressedTensorsWithModelOptScales(String scheme, QuantAlgo algo, @TempDir Path tmp) {
    var ct = quantize(scheme, tmp.resolve("ct"), CheckpointFormat.COMPRESSED_TENSORS);
    var mo = quantize(scheme, tmp.resolve("mo"), CheckpointFormat.MODELOPT);
    int modules = 0;
    try (var c = Checkpoint.open(ct); var m = Checkpoint.open(mo)) {
      for (var t : c.tensors()) {
        var name = t.name();
        if (name.endsWith(".weight_packed") || (name.endsWith(".weight") && t.dtype() == DType.F8_E4M3)) {
          var module = name.substring(0, name.lastIndexOf('.'));
          var weight = m.find(module + ".weight").orElseThrow();
          assertThat(weight.data().mismatch(t.data())).as(name).isEqualTo(-1);
          modules++;
          var ctScale = c.find(module + ".weight_scale").orElseThrow();
          var moScale = m.find(module + ".weight_scale").orElseThrow();
          if (algo == QuantAlgo.W4A16_NVFP4) {
            assertThat(moScale.data().mismatch(ctScale.data())).isEqualTo(-1);
            float g = FloatElements.get(c.find(module + ".weight_global_scale").orElseThrow().data(), DType.F32, 0);
            var ws2 = m.find(module + ".weight_scale_2").orElseThrow();
            assertThat(ws2.shape()).isEmpty();
            float inverse = FloatElements.get(ws2.data(), DType.F32, 0);
            assertThat(inverse).isEqualTo(1f / g);
            assertThat(Reciprocal.toCompressedTensors(inverse, DType.BF16)).isEqualTo(g);
          } else {
            assertThat(moScale.dtype()).isEqualTo(DType.F32);
            assertThat(moScale.shape()).containsExactly(t.shape()[0]);
            for (long i = 0; i < t.shape()[0]; i++) {
              assertThat(FloatElements.get(moScale.data(), DType.F32, i))
                  .isEqualTo(FloatElements.get(ctScale.data(), ctScale.dtype(), i));
            }
          }
          continue;
        }
        if (name.endsWith("_scale") || name.endsWith("_global_scale")) continue;
        assertThat(m.find(name).orElseThrow().data().mismatch(t.data())).as(name).isEqualTo(-1);
      }
    }
    assertThat(modules).isEqualTo(14);
    var config = ModelOptConfig.read(mo).orElseThrow();
    assertThat(config.algo()).contains(algo);
    assertThat(config.source()).isEqualTo(ModelOptConfig.Source.CONFIG_JSON);
  }

  @Test
  void writesTheExclusionsInEveryFormAndEveryPlace(@TempDir Path tmp) throws IOException {
    var mo = quantize("FP8_DYNAMIC", tmp.resolve("mo"), CheckpointFormat.MODELOPT);
    var hf = JSON.readTree(mo.resolve("hf_quant_config.json").toFile());
    var q = JSON.readTree(mo.resolve("config.json").toFile()).path("quantization_config");
    assertThat(hf.path("producer").path("name").asText()).isEqualTo("modelopt");
    assertThat(hf.path("quantization").path("quant_algo").asText()).isEqualTo("FP8_PER_CHANNEL_PER_TOKEN");
    assertThat(hf.path("quantization").path("kv_cache_quant_algo").isNull()).isTrue();
    assertThat(hf.path("vlmq").path("note").asText()).contains("written by vlmq");
    var exclude = strings(hf.path("quantization").path("exclude_modules"));
    assertThat(strings(q.path("exclude_modules"))).isEqualTo(exclude);
    assertThat(strings(q.path("ignore"))).isEqualTo(exclude);
    assertThat(q.path("quant_method").asText()).isEqualTo("modelopt");
    assertThat(exclude).contains("visual.blocks.0.attn.qkv", "model.visual.blocks.0.attn.qkv", "visual.merger.mlp.0",
        "visual", "visual.*", "model.visual", "model.visual.*", "visual.", "lm_head");
    assertThat(exclude)
        .noneMatch(e -> e.contains("layers") || e.equals("model") || e.endsWith("*") && !e.endsWith(".*"));
    assertThat(q.path("vlmq").path("compressed_tensors").path("quant_method").asText())
        .isEqualTo("compressed-tensors");
    try (Stream<Path> files = Files.list(mo)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("config.json",
          "hf_quant_config.json", "model.safetensors", "recipe.yaml", "README.md", "expected.json");
    }
    assertThat(Files.readString(mo.resolve("README.md"))).contains("ModelOpt", "vlmq convert");
  }

  @ParameterizedTest
  @CsvSource({"FP8_DYNAMIC", "NVFP4A16"})
  void checkFindsNothingWrongOnCurrentVllm(String scheme, @TempDir Path tmp) {
    var report = Checker.check(quantize(scheme, tmp.resolve("mo"), CheckpointFormat.MODELOPT), Target.defaults());
    // the fixture carries no tokenizer or processor files (C4); everything about the weights and configs is clean
    var findings = report.findings().stream().filter(f -> !f.rule().equals("C4")).toList();
    assertThat(findings).extracting(Finding::rule).isEmpty();
    // FP8_PER_CHANNEL_PER_TOKEN and W4A16_NVFP4 are read by vLLM main only
    assertThat(report.otherVersions()).extracting(Finding::rule).containsExactly("R9");
  }

  @Test
  void refusesSchemesModelOptCannotHold(@TempDir Path tmp) {
    assertThatThrownBy(() -> quantize("W4A16", tmp.resolve("int4"), CheckpointFormat.MODELOPT))
        .isInstanceOf(VlmqException.class).hasMessageContaining("ModelOpt has no format for int4 group weights");
    assertThatThrownBy(() -> quantize("FP8_BLOCK", tmp.resolve("block"), CheckpointFormat.MODELOPT))
        .isInstanceOf(VlmqException.class).hasMessageContaining("k_proj [64, 128] as ModelOpt FP8_PB_WO");
    assertThat(tmp.toFile().list()).isEmpty();
  }

  private static List<String> strings(JsonNode array) {
    var out = new ArrayList<String>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
