package vlmq.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.quantize.CheckpointFormat;
import vlmq.quantize.ProgressListener;
import vlmq.quantize.QuantizeJob;
import vlmq.recipe.Recipe;

/** {@code vlmq inspect} on ModelOpt checkpoints: the config.json form is read, each module's layout is named. */
class ModelOptInspectionTest {
  @ParameterizedTest
  @CsvSource({"FP8_DYNAMIC, FP8 per-channel, FP8_PER_CHANNEL_PER_TOKEN",
      "NVFP4A16, NVFP4 weight-only (ModelOpt W4A16_NVFP4), W4A16_NVFP4"})
  void labelsModelOptLayouts(String scheme, String label, String algo, @TempDir Path tmp) {
    var fixture = Path.of("src/test/resources/fixtures/qwen2_5_vl");
    var out = QuantizeJob.run(new QuantizeJob.Request(fixture, tmp.resolve("o"),
        Recipe.fromPreset(scheme, List.of()), false, CheckpointWriter.DEFAULT_MAX_SHARD_BYTES, 1,
        CheckpointFormat.MODELOPT), ProgressListener.NONE).output();
    var inspection = Inspector.inspect(out);
    assertThat(inspection.quantization().method()).isEqualTo("modelopt");
    assertThat(inspection.quantization().details()).containsExactly(
        "quant_algo " + algo + ", 31 ignore / 31 exclude_modules entries, producer modelopt 0.39.0",
        "hf_quant_config.json present");
    assertThat(inspection.components().get("language").schemes()).isEqualTo(Map.of(label, 14));
    assertThat(inspection.components().get("vision").schemes()).isEqualTo(Map.of("native BF16", 10));
  }
}
