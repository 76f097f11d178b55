package vlmq.format.modelopt;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import vlmq.io.safetensors.TensorInfo;
import vlmq.numeric.DType;

/**
 * The tensor names, dtypes and shapes of a ModelOpt export (engine-loading-rules §4.2), per quantized Linear
 * (original HF module names: q/k/v and gate/up stay separate) and for the KV cache, whose scales ModelOpt puts
 * under invented {@code k_proj}/{@code v_proj} children of each attention module (§1.1).
 */
public final class ModelOptTensors {
  private ModelOptTensors() {}

  public static final String WEIGHT = "weight";
  public static final String WEIGHT_SCALE = "weight_scale";
  public static final String WEIGHT_SCALE_2 = "weight_scale_2";
  public static final String INPUT_SCALE = "input_scale";
  public static final String K_SCALE = "k_scale";
  public static final String V_SCALE = "v_scale";
  public static final String K_BIAS = "k_bias";
  public static final String V_BIAS = "v_bias";

  /** NVFP4's block length along in_features (one FP8 scale per 16 values). */
  public static final int NVFP4_GROUP = 16;
  /** FP8_PB_WO's square block. */
  public static final int FP8_BLOCK = 128;
  /** MXFP8's block length (one E8M0 scale per 32 values). */
  public static final int MX_GROUP = 32;

  /** Parameter names ModelOpt adds to a Linear besides its weight. */
  public static final Set<String> LINEAR_SCALES = Set.of(WEIGHT_SCALE, WEIGHT_SCALE_2, INPUT_SCALE);

  /**
   * Parameter names of attention quantizers: the KV-cache scales, the affine-KV biases, and the query/softmax scales
   * of attention quantization.
   */
  public static final Set<String> ATTENTION_PARAMS = Set.of(K_SCALE, V_SCALE, K_BIAS, V_BIAS, "q_scale", "prob_scale");

  /**
   * What one quantized Linear with weight {@code [out, in]} holds under {@code algo}; empty for algos whose layout
   * §4.2 does not give (AWQ variants, INT8_SQ, mixed precision as a whole).
   */
  public static Optional<List<ModelOptTensor>> linear(QuantAlgo algo, long out, long in) {
    var scalar = new long[0];
    return Optional.ofNullable(switch (algo) {
      case FP8 -> List.of(t(WEIGHT, DType.F8_E4M3, out, in), t(WEIGHT_SCALE, DType.F32, scalar),
          t(INPUT_SCALE, DType.F32, scalar));
      case FP8_PER_CHANNEL_PER_TOKEN -> List.of(t(WEIGHT, DType.F8_E4M3, out, in), t(WEIGHT_SCALE, DType.F32, out));
      case FP8_PB_WO -> List.of(t(WEIGHT, DType.F8_E4M3, out, in),
          t(WEIGHT_SCALE, DType.F32, Math.ceilDiv(out, FP8_BLOCK), 1, Math.ceilDiv(in, FP8_BLOCK), 1));
      case NVFP4 -> List.of(t(WEIGHT, DType.U8, out, in / 2), t(WEIGHT_SCALE, DType.F8_E4M3, out, in / NVFP4_GROUP),
          t(WEIGHT_SCALE_2, DType.F32, scalar), t(INPUT_SCALE, DType.F32, scalar));
      case W4A16_NVFP4 -> List.of(t(WEIGHT, DType.U8, out, in / 2),
          t(WEIGHT_SCALE, DType.F8_E4M3, out, in / NVFP4_GROUP), t(WEIGHT_SCALE_2, DType.F32, scalar));
      case MXFP8 -> List.of(t(WEIGHT, DType.F8_E4M3, out, in), t(WEIGHT_SCALE, DType.U8, out, in / MX_GROUP));
      default -> null;
    });
  }

  /**
   * The algo whose §4.2 layout a quantized Linear's tensors ({@code params}: parameter name → header) have, as a
   * loader tells them apart; empty for tensors of no ModelOpt layout (a plain weight, compressed-tensors names).
   */
  public static Optional<QuantAlgo> algoOf(Map<String, TensorInfo> params) {
    var weight = params.get(WEIGHT);
    var scale = params.get(WEIGHT_SCALE);
    if (weight == null || scale == null || weight.shape().length != 2) return Optional.empty();
    if (weight.dtype() == DType.U8 && params.containsKey(WEIGHT_SCALE_2)) {
      return Optional.of(params.containsKey(INPUT_SCALE) ? QuantAlgo.NVFP4 : QuantAlgo.W4A16_NVFP4);
    }
    if (weight.dtype() != DType.F8_E4M3) return Optional.empty();
    if (scale.dtype() == DType.U8) return Optional.of(QuantAlgo.MXFP8);
    if (scale.shape().length == 4) return Optional.of(QuantAlgo.FP8_PB_WO);
    if (scale.elementCount() == 1) return Optional.of(QuantAlgo.FP8);
    return scale.elementCount() == weight.shape()[0] ? Optional.of(QuantAlgo.FP8_PER_CHANNEL_PER_TOKEN)
        : Optional.empty();
  }

  /** The KV-cache scale names ModelOpt exports for attention module {@code attention} (e.g. {@code …self_attn}). */
  public static List<String> kvScales(String attention) {
    return List.of(attention + ".k_proj." + K_SCALE, attention + ".v_proj." + V_SCALE);
  }

  /** Whether {@code tensorName} is an attention quantizer's output (KV scale, affine bias, q/prob scale). */
  public static boolean isAttentionParam(String tensorName) {
    return ATTENTION_PARAMS.contains(tensorName.substring(tensorName.lastIndexOf('.') + 1));
  }

  private static ModelOptTensor t(String suffix, DType dtype, long... shape) {
    return new ModelOptTensor(suffix, dtype, shape);
  }
}
