package vlmq.engine.qwen;

import java.util.Optional;
import vlmq.model.Family;

/** The Qwen vision-language generations the engine runs, which differ in vision tower, RoPE layout and norms. */
public enum QwenVariant {
  /** LayerNorm + QuickGELU vision blocks, full attention, contiguous M-RoPE sections. */
  QWEN2_VL,
  /** RMSNorm + gated SiLU vision blocks, window attention, contiguous M-RoPE sections. */
  QWEN2_5_VL,
  /** Learned position embedding, tanh-GELU vision MLP, deepstack, q/k norms, interleaved M-RoPE. */
  QWEN3_VL,
  /**
   * The Qwen3-VL vision tower without deepstack; hybrid decoder of gated DeltaNet and gated full-attention layers,
   * zero-centred (1 + w) RMSNorms, partial interleaved M-RoPE.
   */
  QWEN3_5;

  /** Qwen3-VL and Qwen3.5 share the vision tower, q/k norms and interleaved M-RoPE. */
  boolean qwen3Family() {
    return this == QWEN3_VL || this == QWEN3_5;
  }

  static Optional<QwenVariant> of(Family family) {
    return switch (family) {
      case QWEN2_VL -> Optional.of(QWEN2_VL);
      case QWEN2_5_VL -> Optional.of(QWEN2_5_VL);
      case QWEN3_VL -> Optional.of(QWEN3_VL);
      case QWEN3_5 -> Optional.of(QWEN3_5);
      default -> Optional.empty();
    };
  }
}
