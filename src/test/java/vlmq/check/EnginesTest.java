package vlmq.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.recipe.Preset;

/** SGLang, TensorRT-LLM and transformers: the subset of rules their cited issues and source support. */
class EnginesTest {
  @TempDir Path tmp;

  static Target engine(Engine e) {
    return new Target(e, "", VllmVersion.MAIN, Gpu.H100, 1);
  }

  @Test
  void sglangMatchesModelOptExclusionsAsRawSubstrings() {
    var a = Checker.check(ClassicCaseTest.caseA().write(tmp, "a"), engine(Engine.SGLANG));
    var r3 = a.findings().stream().filter(f -> f.rule().equals("R3")).findFirst().orElseThrow();
    assertThat(r3.severity()).isEqualTo(Severity.SILENT);
    assertThat(r3.engineMessage()).contains("(e.g. 'visual.blocks.0.attn.proj'); none of ['lm_head', 'model.visual*']");
    assertThat(r3.versions()).isEqualTo("SGLang (not modelled version by version)");
    var safe = Checker.check(RuleCases.modelOptSafe().write(tmp, "safe"), engine(Engine.SGLANG));
    assertThat(safe.findings()).noneMatch(f -> f.rule().equals("R3"));
  }

  @Test
  void sglangNeedsQwenVisionQkvIgnoredUnderBothNames() {
    var report = Checker.check(RuleCases.ctSafe(Preset.FP8_DYNAMIC).write(tmp, "ct"), engine(Engine.SGLANG));
    assertThat(report.findings()).anySatisfy(f -> {
      assertThat(f.rule()).isEqualTo("R4");
      assertThat(f.modules()).containsExactly("visual.blocks.{0,1}.attn.qkv");
    });
  }

  @Test
  void sglangRefusesVisionKvScalesToo() {
    var report = Checker.check(ClassicCaseTest.caseB().write(tmp, "b"), engine(Engine.SGLANG));
    assertThat(report.findings().getFirst().rule()).isEqualTo("R1");
    assertThat(report.loads()).isFalse();
  }

  @Test
  void trtllmBuildsABf16QwenTowerQuantized() {
    var report = Checker.check(RuleCases.modelOptSafe().write(tmp, "safe"), engine(Engine.TRTLLM));
    assertThat(report.findings()).anySatisfy(f -> {
      assertThat(f.rule()).isEqualTo("R3");
      assertThat(f.severity()).isEqualTo(Severity.ERROR);
      assertThat(f.basis()).contains("#8569");
    });
  }

  @Test
  void trtllmReadsOnlyGroupZero() {
    var b = RuleCases.ctSafe(Preset.FP8_DYNAMIC);
    var groups = (ObjectNode) b.quantizationConfig().get("config_groups");
    groups.set("fp8", groups.remove("group_0"));
    var report = Checker.check(b.write(tmp, "ct"), engine(Engine.TRTLLM));
    assertThat(report.findings()).anySatisfy(f -> assertThat(f.engineMessage()).contains("KeyError: 'group_0'"));
    var ok = Checker.check(RuleCases.ctSafe(Preset.FP8_DYNAMIC).write(tmp, "ok"), engine(Engine.TRTLLM));
    assertThat(ok.loads()).isTrue();
  }

  @Test
  void transformersSkipsModelOptQuantization() {
    var fp8 = Checker.check(RuleCases.modelOptSafe().write(tmp, "fp8"), engine(Engine.TRANSFORMERS));
    assertThat(fp8.findings()).anySatisfy(f -> {
      assertThat(f.rule()).isEqualTo("R9");
      assertThat(f.severity()).isEqualTo(Severity.SILENT);
      assertThat(f.engineMessage()).startsWith("Unknown quantization type, got modelopt");
    });
    var nvfp4 = Checker.check(RuleCases.nvfp4(1f / 448).write(tmp, "nvfp4"), engine(Engine.TRANSFORMERS));
    assertThat(nvfp4.loads()).isFalse();
    var ct = Checker.check(RuleCases.ctSafe(Preset.W4A16).write(tmp, "ct"), engine(Engine.TRANSFORMERS));
    assertThat(ct.findings()).noneMatch(f -> f.rule().equals("R9"));
  }

  @Test
  void transformersOnlyNotesVisionKvScales() {
    var kv = RuleCases.modelOptSafe().modelOptKvScales(java.util.List.of("visual.blocks.0.attn"));
    var report = Checker.check(kv.write(tmp, "kv"), engine(Engine.TRANSFORMERS));
    assertThat(report.findings()).anySatisfy(f -> {
      assertThat(f.rule()).isEqualTo("R1");
      assertThat(f.severity()).isEqualTo(Severity.INFO);
    });
  }
}
