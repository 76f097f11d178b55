package vlmq.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import vlmq.VlmqException;
import vlmq.numeric.Bf16;
import vlmq.numeric.DType;
import vlmq.numeric.Kernels;

/**
 * The source weight's dtype, which is also the dtype compressed-tensors computes scales and {@code x / scale} in
 * (torch's type promotion keeps bf16 ⊘ bf16 in bf16) and stores non-FP8/MX scales in. Every model-dtype torch op is
 * emulated as the correctly rounded f32 result rounded once more to the model dtype: f32 has at least
 * 2p+2 significand bits for p = 8 (bf16) and 11 (f16), so this double rounding equals a single correct rounding for
 * + − × ÷ (torch CPU computes bf16/f16 ops in f32 the same way).
 */
enum ModelDType {
  BF16(DType.BF16, 0x1p-7f),
  F16(DType.F16, 0x1p-10f),
  F32(DType.F32, 0x1p-23f);

  static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final DType dtype;
  private final float eps;

  ModelDType(DType dtype, float eps) {
    this.dtype = dtype;
    this.eps = eps;
  }

  static ModelDType of(DType dtype) {
    return switch (dtype) {
      case BF16 -> BF16;
      case F16 -> F16;
      case F32 -> F32;
      default -> throw new VlmqException(
          "Cannot quantize " + dtype + " weights: only BF16, F16 and F32 are supported.");
    };
  }

  DType dtype() {
    return dtype;
  }

  int bytes() {
    return this == F32 ? 4 : 2;
  }

  /** {@code torch.finfo(dtype).eps}: what compressed-tensors puts in place of a zero scale. */
  float eps() {
    return eps;
  }

  /** {@code v} rounded (to nearest, ties to even) to this dtype. */
  float round(float v) {
    return switch (this) {
      case BF16 -> Bf16.round(v);
      case F16 -> vlmq.numeric.F16.round(v);
      case F32 -> v;
    };
  }

  /** Reads {@code n} little-endian elements starting at byte {@code offset} into {@code dst[0..n)}. */
  void read(Kernels k, MemorySegment src, long offset, float[] dst, int n) {
    switch (this) {
      case BF16 -> k.bf16ToF32(src, offset, dst, 0, n);
      case F16 -> k.f16ToF32(src, offset, dst, 0, n);
      case F32 -> k.f32ToF32(src, offset, dst, 0, n);
    }
  }

  /** Writes {@code v} (already a value of this dtype) as element {@code index} of a tensor of this dtype. */
  void write(MemorySegment dst, long index, float v) {
    switch (this) {
      case BF16 -> dst.set(SHORT, 2 * index, Bf16.fromFloat(v));
      case F16 -> dst.set(SHORT, 2 * index, vlmq.numeric.F16.fromFloat(v));
      case F32 -> dst.set(FLOAT, 4 * index, v);
    }
  }
}
