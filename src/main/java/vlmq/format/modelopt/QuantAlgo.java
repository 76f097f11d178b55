package vlmq.format.modelopt;

import java.util.Locale;
import java.util.Optional;

/**
 * The {@code quant_algo} values ModelOpt writes that engines know by name. vLLM upper-cases the value before
 * comparing it ({@code fp8_pb_wo} is accepted), so parsing does too.
 */
public enum QuantAlgo {
  /** FP8 e4m3 weights, per-tensor weight and static input scales. */
  FP8,
  /** FP8 weights with a per-output-channel scale, dynamic per-token activations. */
  FP8_PER_CHANNEL_PER_TOKEN,
  /** FP8 weight-only with 128×128 block scales. */
  FP8_PB_WO,
  /** FP4 e2m1 weights and activations, FP8 block scales per 16, FP32 second-level scale. */
  NVFP4,
  /** NVFP4 weights, 16-bit activations. */
  W4A16_NVFP4,
  MXFP8,
  /** Several formats; the per-layer choice is in {@code quantized_layers}. */
  MIXED_PRECISION,
  NVFP4_AWQ,
  W4A16_AWQ,
  W4A8_AWQ,
  INT4_AWQ,
  INT8_SQ,
  W4A8_MXFP4_FP8;

  /** The algo a config string names, case-insensitively; empty for strings ModelOpt does not write. */
  public static Optional<QuantAlgo> parse(String value) {
    if (value == null) return Optional.empty();
    try {
      return Optional.of(valueOf(value.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** True for the NVFP4 family, whose tensors are packed uint8 with FP8 block scales. */
  public boolean isNvfp4() {
    return this == NVFP4 || this == W4A16_NVFP4 || this == NVFP4_AWQ;
  }

  /** True for the FP8 family (weights stored as float8_e4m3fn). */
  public boolean isFp8() {
    return this == FP8 || this == FP8_PER_CHANNEL_PER_TOKEN || this == FP8_PB_WO || this == MXFP8;
  }
}
