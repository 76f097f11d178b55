package vlmq.transform;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import vlmq.format.modelopt.FloatElements;
import vlmq.io.safetensors.Checkpoint.Tensor;
import vlmq.io.safetensors.TensorSpec;
import vlmq.numeric.F16;
import vlmq.numeric.Fp8E4m3;

/**
 * FP8 per-tensor shards of one fused layer (q/k/v, gate/up) brought to one weight scale offline, as vLLM does at
 * load ({@code requantize_with_max_scale}, {@code vllm/model_executor/layers/quantization/utils/w8a8_utils.py}, used
 * by ModelOpt FP8 and compressed-tensors W8A8Fp8): every shard is dequantized with its own scale and requantized with
 * the largest, so engines that take one scale per fused layer without requantizing read the same weights. On CUDA
 * that is, per element, with s the shard's scale and S the largest:
 * <pre>
 *   dq   = f16(f32(code) × f32(f16(s)))          per_tensor_dequantize: fp8 → fp16, times the 0-dim f32 scale,
 *                                                which the CUDA kernel casts to the fp16 operand dtype
 *   code = e4m3_rne(clamp(f32(dq) × (1f / S), ±448))
 *                                                static_scaled_fp8_quant (scaled_fp8_conversion, inverted scale)
 * </pre>
 * Read in source, not run on a GPU. Static input scales of the shards become their maximum, which is what vLLM
 * uses for the fused layer.
 */
final class FusedScales {
  private FusedScales() {}

  static void unify(SourceModel src, Rewrite rewrite, Map<String, StoredLinear> quantized, List<Change> changes) {
    var requantized = new ArrayList<String>();
    var inputs = new ArrayList<String>();
    for (var group : src.map.fusedGroups()) {
      var members = group.members();
      if (!members.stream().allMatch(m -> quantized.containsKey(m)
          && quantized.get(m).label().equals("FP8 per-tensor"))) {
        continue;
      }
      var scales = members.stream().map(m -> src.params(m).get("weight_scale")).toList();
      float max = max(scales);
      for (int i = 0; i < members.size(); i++) {
        var scale = scales.get(i);
        float s = value(scale);
        if (s == max) continue;
        var weight = src.params(members.get(i)).get("weight");
        rewrite.replace(List.of(weight.name()), List.of(spec(weight)),
            Map.of(weight.name(), out -> requantize(weight.data(), out, weight.byteSize(), s, max)));
        rewrite.replace(List.of(scale.name()), List.of(spec(scale)),
            Map.of(scale.name(), out -> FloatElements.set(out, scale.dtype(), 0, max)));
        requantized.add(members.get(i));
      }
      var inputScales = members.stream().map(m -> src.params(m).get("input_scale")).toList();
      if (inputScales.contains(null) || inputScales.stream().anyMatch(t -> t.info().elementCount() != 1)) continue;
      float maxInput = max(inputScales);
      for (var t : inputScales) {
        if (value(t) == maxInput) continue;
        rewrite.replace(List.of(t.name()), List.of(spec(t)),
            Map.of(t.name(), out -> FloatElements.set(out, t.dtype(), 0, maxInput)));
        inputs.add(t.name());
      }
    }
    if (!requantized.isEmpty()) {
      changes.add(Change.of("P5", "requantized FP8 shards of fused layers to the layer's largest weight_scale (what"
          + " vLLM's requantize_with_max_scale does at load)", requantized));
    }
    if (!inputs.isEmpty()) {
      changes.add(Change.of("P5", "set the shards' input_scale to the fused layer's largest (what vLLM uses)", inputs));
    }
  }

  /** Codes requantized from scale {@code s} to the larger {@code max}, element by element as vLLM does on CUDA. */
  static void requantize(MemorySegment codes, MemorySegment out, long count, float s, float max) {
    float half = F16.round(s);
    float inverse = 1f / max;
    for (long i = 0; i < count; i++) {
      float dq = F16.round(Fp8E4m3.toFloat(codes.get(ValueLayout.JAVA_BYTE, i)) * half);
      float x = Math.max(-Fp8E4m3.MAX, Math.min(Fp8E4m3.MAX, dq * inverse));
      out.set(ValueLayout.JAVA_BYTE, i, Fp8E4m3.fromFloat(x));
    }
  }

  private static float max(List<Tensor> scales) {
    float max = Float.NEGATIVE_INFINITY;
    for (var t : scales) max = Math.max(max, value(t));
    return max;
  }

  private static float value(Tensor t) {
    return FloatElements.get(t.data(), t.dtype(), 0);
  }

  private static TensorSpec spec(Tensor t) {
    return new TensorSpec(t.name(), t.dtype(), t.shape());
  }
}
