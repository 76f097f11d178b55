package vlmq.check;

import static org.assertj.core.api.Assertions.assertThat;
import static vlmq.model.Component.LANGUAGE;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.format.modelopt.QuantAlgo;
import vlmq.numeric.DType;
import vlmq.recipe.Preset;

/** Configurations around the rules' edges: KV-cache-only configs, missing configs, malformed ModelOpt files. */
class EdgeCasesTest {
  @TempDir Path tmp;

  @Test
  void kvCacheOnlyCompressedTensorsLoads() {
    var b = CheckpointBuilder.family("qwen2_5_vl").compressedTensorsConfig(Preset.FP8_DYNAMIC, List.of());
    var qc = b.quantizationConfig();
    qc.putObject("config_groups");
    qc.putObject("kv_cache_scheme").put("num_bits", 8).put("type", "float").put("strategy", "tensor")
        .put("symmetric", true).put("dynamic", false);
    for (int layer = 0; layer < 2; layer++) {
      b.put("model.layers." + layer + ".self_attn.k_scale", DType.BF16, 1)
          .put("model.layers." + layer + ".self_attn.v_scale", DType.BF16, 1);
    }
    var report = Checker.check(b.write(tmp, "kv-only"), Target.defaults());
    assertThat(report.findings()).as(ReportTextTest.render(report)).isEmpty();
  }

  @Test
  void quantizedTensorsWithoutAConfigAreBuiltUnquantized() {
    var b = CheckpointBuilder.family("qwen2_5_vl");
    var report = Checker.check(b.modelOpt(QuantAlgo.FP8, b.linear(LANGUAGE)).write(tmp, "no-config"),
        Target.defaults());
    assertThat(report.findings()).anySatisfy(f -> {
      assertThat(f.rule()).isEqualTo("C6");
      assertThat(f.engineMessage()).startsWith("KeyError: 'language_model.model.layers.0.mlp.down_proj.input_scale'");
    });
    assertThat(report.quantization()).isEqualTo("none");
  }

  @Test
  void eightBitWeightsWithoutScalesOrConfigAreCastSilently() {
    var b = CheckpointBuilder.family("qwen2_5_vl");
    b.modelOpt(QuantAlgo.FP8, b.linear(LANGUAGE)).remove(n -> n.endsWith("_scale"));
    var report = Checker.check(b.write(tmp, "fp8-bare"), Target.defaults());
    assertThat(report.findings()).anySatisfy(f -> {
      assertThat(f.rule()).isEqualTo("C6");
      assertThat(f.severity()).isEqualTo(Severity.SILENT);
      assertThat(f.engineMessage()).contains("weight F8_E4M3 codes into bf16 without any scale");
    });
  }

  @Test
  void malformedModelOptConfigIsReportedAsVllmWouldRaiseIt() {
    var b = RuleCases.modelOptSafe();
    b.quantizationConfig().put("ignore", "lm_head");
    var report = Checker.check(b.write(tmp, "bad-ignore"), Target.defaults());
    assertThat(report.findings()).hasSize(1).first().satisfies(f -> {
      assertThat(f.rule()).isEqualTo("R9");
      assertThat(f.engineMessage()).isEqualTo("ValueError: exclude_modules must be a list, got <class 'str'>");
    });
  }

  @Test
  void hfQuantConfigAloneNeedsTheFlagBefore0101() {
    var dir = RuleCases.modelOptSafe().withoutConfigQuantization().write(tmp, "hf-only");
    var old = Checker.check(dir, RuleCases.vllm("0.10.0"));
    assertThat(old.findings()).anySatisfy(f -> {
      assertThat(f.rule()).isEqualTo("R18");
      assertThat(f.severity()).isEqualTo(Severity.ERROR);
      assertThat(f.fix()).startsWith("pass --quantization modelopt");
    });
    assertThat(Checker.check(dir, Target.defaults()).loads()).isTrue();
  }

  @Test
  void ctExplicitShardIgnoresMissTheFusedVisionMlpBefore0102() {
    var report = Checker.check(RuleCases.ctSafe(Preset.W4A16).write(tmp, "ct"), RuleCases.vllm("0.10.1"));
    var r4 = report.findings().stream().filter(f -> f.rule().equals("R4")).findFirst().orElseThrow();
    assertThat(r4.modules()).containsExactly("visual.blocks.{0,1}.mlp.gate_proj", "visual.blocks.{0,1}.mlp.up_proj");
    assertThat(r4.engineMessage()).startsWith("KeyError: 'blocks.0.mlp.gate_up_proj.weight'");
    assertThat(r4.versions()).isEqualTo("vLLM ≤ 0.10.1");
  }
}
