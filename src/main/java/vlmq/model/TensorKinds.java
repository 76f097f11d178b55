package vlmq.model;

import java.util.Locale;
import java.util.Set;

/**
 * A tensor's kind from its parameter name and rank: what nn.Linear, nn.Conv*, nn.Embedding and norm layers store,
 * plus the extra tensors quantized checkpoints carry (compressed-tensors, ModelOpt, FP8, GPTQ/AWQ).
 */
final class TensorKinds {
  private TensorKinds() {}

  /** Parameter names quantization adds next to or instead of a module's weight. */
  static final Set<String> QUANT_PARAMS = Set.of(
      "weight_scale", "weight_zero_point", "weight_global_scale", "weight_shape", "weight_packed", "weight_g_idx",
      "weight_scale_2", "weight_scale_inv", "input_scale", "input_global_scale", "input_zero_point",
      "output_scale", "output_zero_point", "activation_scale", "k_scale", "v_scale", "q_scale", "prob_scale",
      "kv_scale", "k_bias", "v_bias", "qweight", "qzeros", "scales", "g_idx", "SCB");

  /** Quantization parameters that replace a Linear weight, so their module is a Linear without a plain weight. */
  static final Set<String> PACKED_WEIGHTS = Set.of("weight_packed", "qweight");

  /** What a module's {@code weight} of this rank makes the module. */
  static TensorKind ofWeight(String module, int rank) {
    return switch (rank) {
      case 0 -> TensorKind.OTHER;
      case 1 -> TensorKind.NORM;
      case 2 -> looksLikeEmbedding(module) ? TensorKind.EMBEDDING : TensorKind.LINEAR_WEIGHT;
      default -> TensorKind.CONV;
    };
  }

  /** A {@code bias} follows its module's weight; a bias without a weight is just a parameter. */
  static TensorKind ofBias(TensorKind moduleKind) {
    if (moduleKind == null) return TensorKind.OTHER;
    return switch (moduleKind) {
      case LINEAR_WEIGHT -> TensorKind.LINEAR_BIAS;
      case CONV, NORM, EMBEDDING -> moduleKind;
      default -> TensorKind.OTHER;
    };
  }

  private static boolean looksLikeEmbedding(String module) {
    var last = module.substring(module.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    return last.contains("embed") || last.equals("wte") || last.equals("wpe");
  }
}
