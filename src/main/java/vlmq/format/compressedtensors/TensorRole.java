package vlmq.format.compressedtensors;

/** What one tensor of a quantized Linear holds; the checkpoint key is {@code <module prefix>.<suffix>}. */
public enum TensorRole {
  /** FP8/INT8 codes, one per element ({@code naive/int/float/mxfp8-quantized}). */
  WEIGHT("weight"),
  /** Codes packed into int32 words (INT, {@code pack-quantized}) or two FP4 nibbles per byte (NVFP4/MXFP4). */
  WEIGHT_PACKED("weight_packed"),
  WEIGHT_SCALE("weight_scale"),
  /** Asymmetric zero points; symmetric schemes never write one. */
  WEIGHT_ZERO_POINT("weight_zero_point"),
  /** NVFP4's tensor-wide FP32 quantization scale (shared across fused q/k/v and gate/up). */
  WEIGHT_GLOBAL_SCALE("weight_global_scale"),
  /** {@code [out_features, in_features]} as int64, written by {@code pack-quantized}. */
  WEIGHT_SHAPE("weight_shape");

  private final String suffix;

  TensorRole(String suffix) {
    this.suffix = suffix;
  }

  public String suffix() {
    return suffix;
  }
}
