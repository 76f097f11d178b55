package vlmq.inspect;

import java.util.Map;
import vlmq.io.safetensors.Checkpoint.Tensor;
import vlmq.numeric.DType;

/**
 * Names the quantization scheme of one Linear module from its tensors' names, dtypes and shapes alone, the way the
 * engines' loaders tell formats apart (compressed-tensors §2.2, ModelOpt §4.2: per-channel scales {@code [out]},
 * FP8_PB_WO's {@code [out/128, 1, in/128, 1]}, NVFP4's {@code weight_scale_2}; GPTQ/AWQ {@code qweight}).
 */
final class ModuleScheme {
  private ModuleScheme() {}

  /**
   * @param params the module's tensors keyed by parameter name ({@code weight}, {@code weight_scale}, …)
   * @param packedBits bits per packed int value when the config says so, else 0
   */
  static String label(Map<String, Tensor> params, int packedBits) {
    Tensor weight = params.get("weight");
    Tensor scale = params.get("weight_scale");
    Tensor packed = params.get("weight_packed");
    if (params.containsKey("qweight")) return "GPTQ/AWQ packed int";
    if (packed != null) {
      if (packed.dtype() == DType.U8 && scale != null && scale.dtype() == DType.F8_E4M3) return "NVFP4 (fp4, group 16)";
      if (packed.dtype() == DType.U8 && scale != null && scale.dtype() == DType.U8) return "MXFP4 (fp4, group 32)";
      String bits = packedBits > 0 ? "INT" + packedBits : "INT";
      String sym = params.containsKey("weight_zero_point") ? " asym" : "";
      return bits + sym + " packed, " + granularity(scale, packed, packedBits);
    }
    if (weight == null) return "no weight";
    return switch (weight.dtype()) {
      case F8_E4M3, F8_E5M2 -> {
        if (params.containsKey("weight_scale_2")) yield "FP8 (ModelOpt, two-level scale)";
        yield (weight.dtype() == DType.F8_E4M3 ? "FP8" : "FP8 e5m2") + " " + granularity(scale, weight, 0);
      }
      case U8 -> params.containsKey("weight_scale_2")
          ? (params.containsKey("input_scale") ? "NVFP4 (ModelOpt)" : "NVFP4 weight-only (ModelOpt W4A16_NVFP4)")
          : "native U8";
      case I8 -> "INT8 " + granularity(scale, weight, 0);
      default -> "native " + weight.dtype();
    };
  }

  private static String granularity(Tensor scale, Tensor weight, int packedBits) {
    if (scale == null) return "without scale";
    long[] s = scale.shape();
    long elements = scale.info().elementCount();
    if (elements == 1) return "per-tensor";
    long[] w = weight.shape();
    if (s.length == 2 && s[1] == 1 && s[0] == w[0] || s.length == 1 && s[0] == w[0]) return "per-channel";
    // ModelOpt FP8_PB_WO: [out/128, 1, in/128, 1]
    if (s.length == 4 && s[1] == 1 && s[3] == 1 && s[0] == ceilDiv(w[0], 128) && s[2] == ceilDiv(w[1], 128)) {
      return "block 128x128";
    }
    if (s.length == 2 && s[0] == w[0]) {
      long columns = packedBits > 0 ? w[1] * 32 / packedBits : w[1];
      return "group " + (columns / s[1]);
    }
    if (s.length == 2 && s[0] == ceilDiv(w[0], 128) && s[1] == ceilDiv(w[1], 128)) return "block 128x128";
    if (s.length == 2) return "block";
    return "scale " + java.util.Arrays.toString(s);
  }

  private static long ceilDiv(long a, long b) {
    return b == 0 ? 0 : (a + b - 1) / b;
  }
}
