package vlmq.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.VlmqException;
import vlmq.io.safetensors.Checkpoint;
import vlmq.numeric.DType;
import vlmq.quantize.CheckpointFormat;
import vlmq.transform.Change;
import vlmq.transform.Convert;

/**
 * {@code vlmq convert} on checkpoints as ModelOpt exports them (f32 scales, no compressed-tensors config kept by vlmq):
 * compressed-tensors gets a config derived from quant_algo and F32 scales where bf16 cannot hold them, and the way
 * back restores the ModelOpt tensors byte for byte.
 */
class ConvertModelOptExportTest {
  @TempDir Path tmp;

  @Test
  void fp8ExportBecomesCompressedTensorsFp8AndComesBack() throws IOException {
    var source = RuleCases.modelOptSafe().write(tmp, "modelopt-fp8");
    var ct = Convert.run(source, tmp.resolve("ct"), CheckpointFormat.COMPRESSED_TENSORS);
    // ModelOpt's scales (1/448 here) are no bf16 values: compressed-tensors keeps them F32, which vLLM reads alike
    assertThat(ct.changes()).extracting(Change::line).anyMatch(l -> l.contains("kept F32 (their values are not BF16"
        + " values): model.layers.{0,1}.mlp.down_proj.weight_scale, model.layers.{0,1}.mlp.down_proj.input_scale"));
    var q = new ObjectMapper().readTree(ct.output().resolve("config.json").toFile()).path("quantization_config");
    assertThat(q.path("quant_method").asText()).isEqualTo("compressed-tensors");
    assertThat(q.path("config_groups").path("group_0").path("weights").path("strategy").asText()).isEqualTo("tensor");
    assertThat(q.path("config_groups").path("group_0").path("input_activations").path("dynamic").asBoolean()).isFalse();
    assertThat(q.path("kv_cache_scheme").path("type").asText()).isEqualTo("float");
    try (var c = Checkpoint.open(ct.output())) {
      var scale = c.find("model.layers.0.self_attn.q_proj.weight_scale").orElseThrow();
      assertThat(scale.dtype()).isEqualTo(DType.F32);
      assertThat(scale.shape()).containsExactly(1);
      assertThat(c.find("model.layers.0.self_attn.q_proj.input_scale").orElseThrow().shape()).containsExactly(1);
    }
    var report = Checker.check(ct.output(), Target.defaults());
    assertThat(report.findings()).as(ReportTextTest.render(report)).isEmpty();

    var back = Convert.run(ct.output(), tmp.resolve("back"), CheckpointFormat.MODELOPT);
    try (var a = Checkpoint.open(source); var b = Checkpoint.open(back.output())) {
      assertThat(b.tensors()).hasSameSizeAs(a.tensors());
      for (var t : a.tensors()) {
        var u = b.find(t.name()).orElseThrow();
        assertThat(u.dtype()).isEqualTo(t.dtype());
        assertThat(u.shape()).as(t.name()).isEqualTo(t.shape());
        assertThat(u.data().mismatch(t.data())).as(t.name()).isEqualTo(-1);
      }
    }
  }

  @Test
  void nvfp4ExportKeepsItsInverseScalesExactly() {
    var source = RuleCases.nvfp4(1f / 448).write(tmp, "modelopt-nvfp4");
    var ct = Convert.run(source, tmp.resolve("ct"), CheckpointFormat.COMPRESSED_TENSORS);
    assertThat(ct.modules()).isEqualTo(14);
    var back = Convert.run(ct.output(), tmp.resolve("back"), CheckpointFormat.MODELOPT);
    try (var a = Checkpoint.open(source); var b = Checkpoint.open(back.output())) {
      for (var t : a.tensors()) {
        assertThat(b.find(t.name()).orElseThrow().data().mismatch(t.data())).as(t.name()).isEqualTo(-1);
      }
    }
  }

  /** Producer rule P2 holds for conversions too: vision KV-cache scales are not carried over. */
  @Test
  void visionKvScalesAreNotCarriedOver() {
    var b = RuleCases.modelOptSafe();
    var source = b.modelOptKvScales(b.attention(vlmq.model.Component.VISION)).write(tmp, "modelopt-vision-kv");
    var ct = Convert.run(source, tmp.resolve("ct"), CheckpointFormat.COMPRESSED_TENSORS);
    assertThat(ct.changes()).extracting(Change::rule).contains("R1");
    var report = Checker.check(ct.output(), Target.defaults());
    assertThat(report.findings()).as(ReportTextTest.render(report)).isEmpty();
  }

  @Test
  void refusesWhatTheOtherFormatCannotHold() {
    var ctInt4 = RuleCases.ctSafe(vlmq.recipe.Preset.W4A16).write(tmp, "ct-w4a16");
    assertThatThrownBy(() -> Convert.run(ctInt4, tmp.resolve("x"), CheckpointFormat.MODELOPT))
        .isInstanceOf(VlmqException.class).hasMessageContaining("ModelOpt has no format for int4 group weights");
    var mo = RuleCases.modelOptSafe().write(tmp, "mo");
    assertThatThrownBy(() -> Convert.run(mo, tmp.resolve("y"), CheckpointFormat.MODELOPT))
        .isInstanceOf(VlmqException.class).hasMessageContaining("already a ModelOpt checkpoint");
    assertThat(tmp.toFile().list()).containsExactlyInAnyOrder("ct-w4a16", "mo");
    assertThat(List.of(ctInt4, mo)).allMatch(p -> p.toFile().isDirectory());
  }
}
