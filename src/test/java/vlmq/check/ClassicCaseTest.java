package vlmq.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.format.modelopt.QuantAlgo;
import vlmq.model.Component;

/**
 * The seed case of engine-loading-rules §1: Qwen2.5-VL exported by ModelOpt 0.33.1 with FP8 weights and FP8 KV
 * cache. A excludes {@code ["lm_head", "model.visual*"]} and keeps the tower bf16; B excludes only lm_head, so the
 * tower is FP8 and its attention carries ModelOpt's invented {@code k_proj.k_scale}/{@code v_proj.v_scale}.
 */
class ClassicCaseTest {
  @TempDir Path tmp;

  static CheckpointBuilder caseA() {
    var b = CheckpointBuilder.family("qwen2_5_vl");
    return b.modelOpt(QuantAlgo.FP8, b.linear(Component.LANGUAGE)).modelOptKvScales(b.attention(Component.LANGUAGE))
        .modelOptConfigs("FP8", "FP8", List.of("lm_head", "model.visual*"));
  }

  static CheckpointBuilder caseB() {
    var b = CheckpointBuilder.family("qwen2_5_vl");
    var visionAttention = b.attention(Component.VISION);
    return b.modelOpt(QuantAlgo.FP8, b.linear(Component.LANGUAGE)).modelOptKvScales(b.attention(Component.LANGUAGE))
        .modelOpt(QuantAlgo.FP8, b.tower()).modelOptKvScales(visionAttention)
        .modelOptConfigs("FP8", "FP8", List.of("lm_head"));
  }

  @Test
  void caseALoadsOnMainAndNamesTheVersionsWhereTheExclusionSilentlyFails() {
    var report = Checker.check(caseA().write(tmp, "qwen25vl-fp8-A"), Target.defaults());
    assertThat(report.loads()).isTrue();
    assertThat(report.findings()).noneMatch(f -> f.severity() == Severity.ERROR || f.severity() == Severity.SILENT);
    var r3 = report.otherVersions().stream().filter(f -> f.rule().equals("R3")).toList();
    // ≤ 0.11.0 reads config.json's absent exclude_modules; 0.11.1–0.12.x maps model.visual* past any match (§1.4).
    assertThat(r3).extracting(Finding::versions).containsExactlyInAnyOrder("vLLM ≤ 0.11.0", "vLLM 0.11.1 – 0.12.x");
    assertThat(r3).allSatisfy(f -> assertThat(f.severity()).isEqualTo(Severity.SILENT));
    assertThat(r3).anySatisfy(f -> assertThat(f.engineMessage())
        .contains("'model.visual*' → ['language_model.model.visual*']"));
    assertThat(r3).anySatisfy(f -> assertThat(f.engineMessage())
        .contains("exclude_modules, which is absent"));
    assertThat(report.cleanIn()).isEqualTo("vLLM ≥ 0.13.0");
    assertThat(report.verdict()).isEqualTo(
        "will load in vLLM main on H100 (sm 9.0), TP 1: yes — loads cleanly in vLLM ≥ 0.13.0");
  }

  @Test
  void caseAOnVllm010IsSilentlyWrong() {
    var report = Checker.check(caseA().write(tmp, "qwen25vl-fp8-A"), RuleCases.vllm("0.10.2"));
    assertThat(report.loads()).isTrue();
    var r3 = report.findings().stream().filter(f -> f.rule().equals("R3")).findFirst().orElseThrow();
    assertThat(r3.severity()).isEqualTo(Severity.SILENT);
    assertThat(r3.modules()).contains("visual.blocks.{0,1}.attn.qkv", "visual.merger.mlp.{0,2}");
    assertThat(r3.versions()).isEqualTo("vLLM ≤ 0.12.x");
    assertThat(report.verdict()).startsWith("will load in vLLM 0.10.2 on H100 (sm 9.0), TP 1: yes, but with 1 silent"
        + " fault (wrong outputs)");
  }

  @Test
  void caseBPredictsTheKeyErrorInEveryVersion() {
    var report = Checker.check(caseB().write(tmp, "qwen25vl-fp8-B"), Target.defaults());
    assertThat(report.loads()).isFalse();
    assertThat(report.exitCode()).isEqualTo(1);
    var r1 = report.findings().getFirst();
    assertThat(r1.rule()).isEqualTo("R1");
    assertThat(r1.engineMessage()).startsWith("KeyError: 'blocks.0.attn.k_proj.k_scale'");
    assertThat(r1.modules()).containsExactly("visual.blocks.{0,1}.attn.k_proj.k_scale",
        "visual.blocks.{0,1}.attn.v_proj.v_scale");
    assertThat(r1.versions()).isEqualTo("all vLLM versions examined (0.10.0 – main)");
    var r2 = report.findings().stream().filter(f -> f.rule().equals("R2")).findFirst().orElseThrow();
    assertThat(r2.versions()).isEqualTo("vLLM main (after 2026-05)");
    assertThat(report.cleanIn()).isEmpty();
    assertThat(report.verdict()).endsWith(": no — no vLLM version examined loads it cleanly");
  }

  @Test
  void caseBWithoutTheVisionScalesLoadsUntilMainHardCodesVisual() {
    var report = Checker.check(caseB().remove(n -> n.startsWith("visual.") && n.endsWith("_scale")
        && n.contains(".attn.") && (n.contains("k_proj") || n.contains("v_proj"))).write(tmp, "b-no-kv"),
        Target.defaults());
    assertThat(report.findings()).extracting(Finding::rule).contains("R2").doesNotContain("R1");
    assertThat(report.cleanIn()).isEqualTo("vLLM ≤ the latest release (not main after 2026-05)");
  }
}
