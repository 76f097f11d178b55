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
import vlmq.numeric.Fp4E2m1;
import vlmq.numeric.Fp8E4m3;

/**
 * Shards of one fused layer (q/k/v, gate/up) brought to one tensor-wide scale offline.
 *
 * <p>FP8 per-tensor shards get one weight scale, as vLLM does at
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
 *
 * <p>NVFP4 shards get one global scale: vLLM takes the largest dequantization scale (ModelOpt {@code weight_scale_2};
 * compressed-tensors' smallest {@code weight_global_scale}) without touching the FP8 block scales, which leaves the
 * other shards mis-scaled (R10). Here the other shards are requantized under the shared one, block by block:
 * <pre>
 *   x    = fp4 × sg × d                            the shard's values, d its own dequantization scale
 *   sg'  = e4m3_rne(clamp(amax16(x) / 6 / D, ±448)),  0 → 0.125    D the shared one
 *   code = fp4(clamp(x / (sg' × D), ±6))
 * </pre>
 * which is compressed-tensors' NVFP4 step with the global scale given instead of measured (f32 throughout). Input
 * scales are unified the same way (vLLM takes the max of ModelOpt's {@code input_scale}, i.e. the min of
 * compressed-tensors' {@code input_global_scale}).
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
    nvfp4(src, rewrite, quantized, changes);
    if (!inputs.isEmpty()) {
      changes.add(Change.of("P5", "set the shards' input_scale to the fused layer's largest (what vLLM uses)", inputs));
    }
  }

  /** R10 for NVFP4 fused layers; see the class comment. */
  private static void nvfp4(SourceModel src, Rewrite rewrite, Map<String, StoredLinear> quantized,
      List<Change> changes) {
    var requantized = new ArrayList<String>();
    for (var group : src.map.fusedGroups()) {
      var members = group.members();
      if (!members.stream().allMatch(m -> quantized.containsKey(m) && quantized.get(m).label().startsWith("NVFP4"))) {
        continue;
      }
      boolean modelOpt = src.params(members.getFirst()).containsKey("weight_scale_2");
      var globals = members.stream().map(m -> src.params(m).get(modelOpt ? "weight_scale_2" : "weight_global_scale"))
          .toList();
      if (globals.contains(null)) continue;
      // the shared dequantization scale, stored the way the format stores it
      float shared = modelOpt ? max(globals) : min(globals);
      float dequant = modelOpt ? shared : 1f / shared;
      for (int i = 0; i < members.size(); i++) {
        var global = globals.get(i);
        if (value(global) == shared) continue;
        var module = members.get(i);
        var stored = quantized.get(module);
        var params = src.params(module);
        var codes = params.get(modelOpt ? "weight" : "weight_packed");
        var blockScales = params.get("weight_scale");
        var shard = new Nvfp4Shard(stored, dequant, codes.byteSize(), blockScales.byteSize());
        rewrite.replace(List.of(codes.name()), List.of(spec(codes)), Map.of(codes.name(), out -> shard.codes(out)));
        rewrite.replace(List.of(blockScales.name()), List.of(spec(blockScales)),
            Map.of(blockScales.name(), out -> shard.scales(out)));
        rewrite.replace(List.of(global.name()), List.of(spec(global)),
            Map.of(global.name(), out -> FloatElements.set(out, global.dtype(), 0, shared)));
        requantized.add(module);
      }
      var inputs = members.stream().map(m -> src.params(m).get(modelOpt ? "input_scale" : "input_global_scale"))
          .toList();
      if (inputs.contains(null)) continue;
      float sharedInput = modelOpt ? max(inputs) : min(inputs);
      for (var t : inputs) {
        if (value(t) != sharedInput) {
          rewrite.replace(List.of(t.name()), List.of(spec(t)),
              Map.of(t.name(), out -> FloatElements.set(out, t.dtype(), 0, sharedInput)));
        }
      }
    }
    if (!requantized.isEmpty()) {
      changes.add(Change.of("R10", "requantized NVFP4 shards of fused layers under the layer's shared global scale"
          + " (vLLM takes one and would leave these shards mis-scaled)", requantized));
    }
  }

  /**
   * One shard's requantized codes and block scales, computed when the first of the two tensors is written and
   * released after both, so the heap holds one shard at a time.
   */
  private static final class Nvfp4Shard {
    private final StoredLinear stored;
    private final float dequant;
    private final long codeBytes;
    private final long scaleBytes;
    private byte[] codes;
    private byte[] scales;
    private int written;

    Nvfp4Shard(StoredLinear stored, float dequant, long codeBytes, long scaleBytes) {
      this.stored = stored;
      this.dequant = dequant;
      this.codeBytes = codeBytes;
      this.scaleBytes = scaleBytes;
    }

    void codes(MemorySegment out) {
      write(out, true);
    }

    void scales(MemorySegment out) {
      write(out, false);
    }

    private synchronized void write(MemorySegment out, boolean codesTensor) {
      if (codes == null) {
        codes = new byte[Math.toIntExact(codeBytes)];
        scales = new byte[Math.toIntExact(scaleBytes)];
        requantizeNvfp4(stored, dequant, codes, scales);
      }
      var bytes = codesTensor ? codes : scales;
      MemorySegment.copy(MemorySegment.ofArray(bytes), 0, out, 0, bytes.length);
      if (++written == 2) {
        codes = null;
        scales = null;
      }
    }
  }

  /** A shard's values requantized to NVFP4 under dequantization scale {@code dequant}; see the class comment. */
  static void requantizeNvfp4(StoredLinear stored, float dequant, byte[] codes, byte[] blockScales) {
    int cols = Math.toIntExact(stored.cols());
    int blocks = cols / 16;
    var x = new float[cols];
    for (long r = 0; r < stored.rows(); r++) {
      stored.row(r, x);
      for (int b = 0; b < blocks; b++) {
        float amax = 0f;
        for (int c = b * 16; c < b * 16 + 16; c++) amax = Math.max(amax, Math.abs(x[c]));
        byte code = Fp8E4m3.fromFloat(Math.min(Fp8E4m3.MAX, amax / 6f / dequant));
        float sg = Fp8E4m3.toFloat(code);
        if (sg == 0f) {
          sg = 0.125f;
          code = Fp8E4m3.fromFloat(sg);
        }
        blockScales[Math.toIntExact(r * blocks + b)] = code;
        float s = sg * dequant;
        for (int c = b * 16; c < b * 16 + 16; c += 2) {
          int even = Fp4E2m1.fromFloat(Math.max(-6f, Math.min(6f, x[c] / s + 0f)));
          int odd = Fp4E2m1.fromFloat(Math.max(-6f, Math.min(6f, x[c + 1] / s + 0f)));
          codes[Math.toIntExact(r * (cols / 2) + c / 2)] = Fp4E2m1.pack(even, odd);
        }
      }
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

  private static float min(List<Tensor> scales) {
    float min = Float.POSITIVE_INFINITY;
    for (var t : scales) min = Math.min(min, value(t));
    return min;
  }

  private static float value(Tensor t) {
    return FloatElements.get(t.data(), t.dtype(), 0);
  }

  private static TensorSpec spec(Tensor t) {
    return new TensorSpec(t.name(), t.dtype(), t.shape());
  }
}
