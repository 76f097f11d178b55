package vlmq.engine.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import vlmq.demo.DemoModel;
import vlmq.engine.qwen.ForwardObserver;
import vlmq.engine.qwen.QwenVlModel;
import vlmq.engine.tensor.LinearWeights;
import vlmq.engine.tensor.QuantizedWeights;
import vlmq.engine.tensor.Weights;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.io.safetensors.TensorSpec;
import vlmq.model.FamilyMap;
import vlmq.model.ModelConfig;
import vlmq.numeric.DType;
import vlmq.quantize.ProgressListener;
import vlmq.quantize.QuantizeJob;
import vlmq.recipe.Recipe;

/**
 * {@code vlmq quantize} outputs of the tiny Qwen2.5-VL fixture and of the bundled demo model load and run: their logits
 * stay close to the bf16 model's (KL far below what a wrong scale or a misread packing gives), and a weight-only
 * checkpoint gives the same logits as the bf16 model with its weights replaced by their float32 dequantization.
 */
class QuantizedModelTest {
  private static final Path FIXTURE = Path.of("src/test/resources/fixtures/qwen2_5_vl");

  private static Path quantize(Path model, String scheme, Path out, List<String> ignore) {
    QuantizeJob.run(new QuantizeJob.Request(model, out, Recipe.fromPreset(scheme, ignore), false,
        CheckpointWriter.DEFAULT_MAX_SHARD_BYTES, 2), ProgressListener.NONE);
    return out;
  }

  /** The KL bounds: 8-bit schemes stay two orders of magnitude below the 4-bit ones on these random weights. */
  @ParameterizedTest
  @CsvSource({"FP8_DYNAMIC, 2e-3", "FP8_BLOCK, 2e-3", "W8A8, 2e-3", "W4A16, 5e-2", "NVFP4A16, 5e-2"})
  void fixtureOutputsRunCloseToBf16(String scheme, double maxKl, @TempDir Path tmp) {
    Path out = quantize(FIXTURE, scheme, tmp.resolve(scheme), List.of());
    try (QwenVlModel base = QwenVlModel.load(FIXTURE); QwenVlModel q = QwenVlModel.load(out)) {
      for (ComparePrompts.Prompt p : ComparePrompts.defaults(base.config(), List.of(), null)) {
        LogitComparison.Result r = LogitComparison.compare(base, q, p, 4, null);
        assertThat(r.meanKl()).as("%s %s", scheme, p.label()).isGreaterThan(0).isLessThan(maxKl);
        assertThat(r.maxKl()).isLessThan(10 * maxKl);
      }
    }
  }

  /** The demo's 64-wide layers leave W4A16 only the language model's down projections (in_features 128). */
  @ParameterizedTest
  @ValueSource(strings = {"FP8_DYNAMIC", "FP8_BLOCK", "W8A8", "W4A16", "NVFP4A16"})
  void demoOutputsRunCloseToBf16(String scheme, @TempDir Path tmp) {
    Path demo = DemoModel.extractTo(tmp.resolve("demo"));
    List<String> ignore = scheme.equals("W4A16") ? List.of("re:.*self_attn.*", "re:.*(gate|up)_proj$",
        "re:(model\\.)?visual\\..*", "lm_head") : List.of();
    Path out = quantize(demo, scheme, tmp.resolve(scheme), ignore);
    try (QwenVlModel base = QwenVlModel.load(demo); QwenVlModel q = QwenVlModel.load(out)) {
      ComparePrompts.Prompt p = ComparePrompts.defaults(base.config(), List.of(), null).getFirst();
      LogitComparison.Result r = LogitComparison.compare(base, q, p, 4, null);
      assertThat(r.meanKl()).as(scheme).isGreaterThan(0).isLessThan(1e-2);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"W4A16", "NVFP4A16", "W8A16"})
  void weightOnlyLogitsEqualTheDequantizedModel(String scheme, @TempDir Path tmp) throws Exception {
    Path out = quantize(FIXTURE, scheme, tmp.resolve(scheme), List.of());
    Path dense = writeDequantized(FIXTURE, out, tmp.resolve("dense"));
    try (QwenVlModel q = QwenVlModel.load(out); QwenVlModel d = QwenVlModel.load(dense)) {
      for (ComparePrompts.Prompt p : ComparePrompts.defaults(q.config(), List.of(), null)) {
        float[] ql = q.forward(q.prompt(p.tokenIds(), p.images()), ForwardObserver.NONE);
        float[] dl = d.forward(d.prompt(p.tokenIds(), p.images()), ForwardObserver.NONE);
        float scale = 0;
        for (float v : dl) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < dl.length; i++) {
          assertThat(Math.abs(ql[i] - dl[i])).as("%s %s logit %d", scheme, p.label(), i).isLessThan(1e-4f * scale);
        }
      }
    }
  }

  /**
   * The baseline checkpoint with every Linear that {@code quantized} stores quantized replaced by its dequantized
   * weight in F32 (exact), under the baseline's names and config.
   */
  private static Path writeDequantized(Path baseline, Path quantized, Path out) throws Exception {
    ModelConfig config = ModelConfig.read(baseline.resolve("config.json"));
    try (Checkpoint base = Checkpoint.open(baseline);
        Weights q = Weights.open(quantized, ModelConfig.read(quantized.resolve("config.json")))) {
      Map<String, long[]> shapes = base.tensors().stream()
          .collect(Collectors.toMap(Checkpoint.Tensor::name, Checkpoint.Tensor::shape));
      FamilyMap map = FamilyMap.of(config, shapes);
      Map<String, LinearWeights> dequantized = new HashMap<>();
      for (Weights.LinearModule m : q.linearModules()) {
        LinearWeights w = q.linear(m.name() + ".weight", m.rows(), m.cols());
        if (w instanceof QuantizedWeights) dequantized.put(m.name() + ".weight", w);
      }
      assertThat(dequantized).isNotEmpty();
      var specs = new ArrayList<TensorSpec>();
      for (Checkpoint.Tensor t : base.tensors()) {
        boolean replaced = dequantized.containsKey(map.names(t.name()).transformers());
        specs.add(new TensorSpec(t.name(), replaced ? DType.F32 : t.dtype(), t.shape()));
      }
      var le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
      try (var writer = CheckpointWriter.create(out, List.of(baseline, quantized), specs, Map.of("format", "pt"),
          CheckpointWriter.DEFAULT_MAX_SHARD_BYTES)) {
        for (Checkpoint.Tensor t : base.tensors()) {
          MemorySegment dst = writer.segment(t.name());
          LinearWeights w = dequantized.get(map.names(t.name()).transformers());
          if (w == null) {
            MemorySegment.copy(t.data(), 0, dst, 0, t.byteSize());
            continue;
          }
          float[] row = new float[w.cols()];
          for (int o = 0; o < w.rows(); o++) {
            w.readRow(o, row, 0);
            MemorySegment.copy(row, 0, dst, le, 4L * o * w.cols(), w.cols());
          }
        }
        writer.commit();
      }
    }
    Files.copy(baseline.resolve("config.json"), out.resolve("config.json"));
    return out;
  }
}
