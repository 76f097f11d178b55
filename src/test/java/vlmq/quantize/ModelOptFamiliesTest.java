package vlmq.quantize;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vlmq.check.Checker;
import vlmq.check.Finding;
import vlmq.check.Target;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.recipe.Recipe;

/** {@code quantize --format modelopt} on every family fixture: vlmq check finds nothing about weights or configs. */
class ModelOptFamiliesTest {
  @ParameterizedTest
  @ValueSource(strings = {"qwen2_vl", "qwen2_5_vl", "qwen2_5_vl_native", "qwen3_vl", "qwen3_5", "llava",
      "llava_legacy", "mistral3", "gemma3", "idefics3", "internvl"})
  void exclusionsKeepEveryTowerUnquantized(String family, @TempDir Path tmp) {
    var fixture = Path.of("src/test/resources/fixtures/" + family);
    var out = QuantizeJob.run(new QuantizeJob.Request(fixture, tmp.resolve("o"),
        Recipe.fromPreset("FP8_DYNAMIC", List.of()), false, CheckpointWriter.DEFAULT_MAX_SHARD_BYTES, 2,
        CheckpointFormat.MODELOPT), ProgressListener.NONE).output();
    var report = Checker.check(out, Target.defaults());
    var findings = report.findings().stream().filter(f -> !f.rule().equals("C4")).toList();
    assertThat(findings).extracting(Finding::rule).isEmpty();
  }
}
