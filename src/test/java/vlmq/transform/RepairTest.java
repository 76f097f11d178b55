package vlmq.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.check.Checker;
import vlmq.check.Finding;
import vlmq.check.Target;
import vlmq.format.modelopt.FloatElements;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.numeric.DType;
import vlmq.numeric.Fp4E2m1;
import vlmq.numeric.Fp8E4m3;
import vlmq.quantize.ProgressListener;
import vlmq.quantize.QuantizeJob;
import vlmq.recipe.Recipe;

/** {@code vlmq repair} on real quantized weights of the Qwen2.5-VL fixture. */
class RepairTest {
  private static final Path FIXTURE = Path.of("src/test/resources/fixtures/qwen2_5_vl");

  private static Path quantize(Recipe recipe, boolean vision, Path out) {
    return QuantizeJob.run(new QuantizeJob.Request(FIXTURE, out, recipe, vision,
        CheckpointWriter.DEFAULT_MAX_SHARD_BYTES, 2), ProgressListener.NONE).output();
  }

  /** Findings of {@code vlmq check} at vLLM main, less C4 (the fixture ships no tokenizer). */
  private static List<Finding> findings(Path dir) {
    return Checker.check(dir, Target.defaults()).findings().stream().filter(f -> !f.rule().equals("C4")).toList();
  }

  @Test
  void quantizedVisionTowerComesBackAsBf16CloseToTheOriginal(@TempDir Path tmp) {
    var source = quantize(Recipe.fromPreset("FP8_DYNAMIC", List.of("lm_head")), true, tmp.resolve("ct"));
    assertThat(findings(source)).extracting(Finding::rule).contains("P1");
    var result = Repair.run(source, tmp.resolve("fixed"));
    assertThat(result.format()).isEqualTo("compressed-tensors");
    assertThat(result.changes()).extracting(Change::rule).containsExactly("P1", "R4");
    assertThat(findings(result.output())).isEmpty();
    int compared = 0;
    try (var original = Checkpoint.open(FIXTURE); var before = Checkpoint.open(source);
         var after = Checkpoint.open(result.output())) {
      for (var t : after.tensors()) {
        if (t.name().startsWith("visual.") && t.name().endsWith(".weight") && t.shape().length == 2) {
          var w = original.find(t.name()).orElseThrow();
          assertThat(t.dtype()).isEqualTo(DType.BF16);
          assertThat(relativeError(t, w)).as(t.name()).isLessThan(0.04).isGreaterThan(0);
          compared++;
        } else if (!t.name().startsWith("visual.")) {
          assertThat(t.data().mismatch(before.find(t.name()).orElseThrow().data())).as(t.name()).isEqualTo(-1);
        }
      }
      assertThat(after.tensors()).noneMatch(t -> t.name().startsWith("visual.") && t.name().endsWith("_scale"));
    }
    assertThat(compared).isEqualTo(12);
  }

  @Test
  void fp8PerTensorShardsOfFusedLayersShareTheLargestScale(@TempDir Path tmp) {
    var source = quantize(ConvertRoundTripTest.recipe("FP8_PER_TENSOR"), false, tmp.resolve("ct"));
    var result = Repair.run(source, tmp.resolve("fixed"));
    var requantized = result.changes().stream().filter(c -> c.rule().equals("P5")).findFirst().orElseThrow();
    // the shards whose own scale is below their fused layer's largest (q_proj holds it in both layers)
    assertThat(requantized.names()).containsExactlyInAnyOrder("model.layers.{0,1}.self_attn.k_proj",
        "model.layers.{0,1}.self_attn.v_proj", "model.layers.0.mlp.up_proj", "model.layers.1.mlp.gate_proj");
    assertThat(findings(result.output())).isEmpty();
    try (var original = Checkpoint.open(FIXTURE); var after = Checkpoint.open(result.output())) {
      for (var layer : List.of("model.layers.0", "model.layers.1")) {
        for (var group : List.of(List.of(".self_attn.q_proj", ".self_attn.k_proj", ".self_attn.v_proj"),
            List.of(".mlp.gate_proj", ".mlp.up_proj"))) {
          var scales = group.stream().map(m -> scalar(after.find(layer + m + ".weight_scale").orElseThrow())).distinct()
              .toList();
          assertThat(scales).as(layer + group).hasSize(1);
          for (var m : group) {
            var codes = after.find(layer + m + ".weight").orElseThrow();
            var w = original.find(layer + m + ".weight").orElseThrow();
            assertThat(fp8RelativeError(codes, scales.getFirst(), w)).as(layer + m).isLessThan(0.06);
          }
        }
      }
    }
  }

  private static float scalar(Checkpoint.Tensor t) {
    return FloatElements.get(t.data(), t.dtype(), 0);
  }

  private static double relativeError(Checkpoint.Tensor a, Checkpoint.Tensor b) {
    double err = 0, norm = 0;
    for (long i = 0; i < a.info().elementCount(); i++) {
      double x = FloatElements.get(a.data(), a.dtype(), i), y = FloatElements.get(b.data(), b.dtype(), i);
      err += (x - y) * (x - y);
      norm += y * y;
    }
    return Math.sqrt(err / norm);
  }

  private static double fp8RelativeError(Checkpoint.Tensor codes, float scale, Checkpoint.Tensor w) {
    double err = 0, norm = 0;
    for (long i = 0; i < codes.info().elementCount(); i++) {
      double x = Fp8E4m3.toFloat(codes.data().get(ValueLayout.JAVA_BYTE, i)) * scale;
      double y = FloatElements.get(w.data(), w.dtype(), i);
      err += (x - y) * (x - y);
      norm += y * y;
    }
    return Math.sqrt(err / norm);
  }

  /** NVFP4 shards requantized under a larger shared global scale still hold the original weights. */
  @Test
  void nvfp4ShardRequantizedUnderALargerGlobalScaleKeepsItsValues(@TempDir Path tmp) {
    var source = quantize(Recipe.fromPreset("NVFP4A16", List.of()), false, tmp.resolve("ct"));
    try (var src = SourceModel.open(source); var original = Checkpoint.open(FIXTURE)) {
      var module = "model.layers.0.self_attn.k_proj";
      var stored = src.quantized().get(module);
      var g = scalar(src.params(module).get("weight_global_scale"));
      var codes = new byte[(int) (stored.rows() * stored.cols() / 2)];
      var scales = new byte[(int) (stored.rows() * stored.cols() / 16)];
      float shared = 1.7f / g;
      FusedScales.requantizeNvfp4(stored, shared, codes, scales);
      var w = original.find(module + ".weight").orElseThrow();
      double err = 0, norm = 0;
      for (int i = 0; i < codes.length * 2; i++) {
        int code = (i & 1) == 0 ? Fp4E2m1.evenCode(codes[i / 2]) : Fp4E2m1.oddCode(codes[i / 2]);
        double x = Fp4E2m1.toFloat(code) * Fp8E4m3.toFloat(scales[i / 16]) * shared;
        double y = FloatElements.get(w.data(), w.dtype(), i);
        err += (x - y) * (x - y);
        norm += y * y;
      }
      assertThat(Math.sqrt(err / norm)).isLessThan(0.15);
    }
  }
}
