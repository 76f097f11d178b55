package vlmq.numeric;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The hot loops of loading, quantizing and running models, behind one interface so the Vector API stays optional:
 * {@link ScalarKernels} is the executable specification (written with the scalar codecs) and
 * {@code vlmq.numeric.panama.PanamaKernels} the SIMD version.
 *
 * <p>Conventions for every method:
 * <ul>
 *   <li>{@code off}/{@code dstOff}/{@code xOff} index {@code float[]} elements; {@code ...ByteOffset} are byte offsets
 *       into a {@link MemorySegment} (no alignment needed; mmapped checkpoint data is often unaligned);
 *       {@code n} counts elements.
 *   <li>Segments hold little-endian data (the safetensors byte order).
 *   <li>Only {@code [off, off + n)} of an output is written; nothing is allocated.
 *   <li>Out-of-range arguments throw {@link IndexOutOfBoundsException} before anything is written.
 *   <li>Methods producing bytes or rounded floats are bit-identical across implementations. Float reductions
 *       ({@code dot*}) may sum in another order: they agree with the scalar result within
 *       {@code 1e-5 * n * sum|a_i * b_i|}.
 * </ul>
 *
 * <p>To add a kernel: declare it here, implement it in {@link ScalarKernels}, which {@code PanamaKernels} extends, and
 * override it there only when a SIMD version pays off; the contract test then covers it for every implementation.
 */
public interface Kernels {
  /** "scalar" or "panama-BITS". */
  String name();

  /** Widens {@code n} little-endian bf16 values at {@code src + srcByteOffset} into {@code dst} (exact). */
  void bf16ToF32(MemorySegment src, long srcByteOffset, float[] dst, int dstOff, int n);

  /** Widens {@code n} little-endian binary16 values into {@code dst} (exact; NaNs as {@link F16#toFloat}). */
  void f16ToF32(MemorySegment src, long srcByteOffset, float[] dst, int dstOff, int n);

  /** Copies {@code n} little-endian f32 values into {@code dst} (bits unchanged). */
  void f32ToF32(MemorySegment src, long srcByteOffset, float[] dst, int dstOff, int n);

  /** Writes {@code src[off..off+n)} as little-endian bf16 at {@code dst + dstByteOffset}, as {@link Bf16#fromFloat}. */
  void f32ToBf16(float[] src, int off, int n, MemorySegment dst, long dstByteOffset);

  /** Replaces {@code x[off..off+n)} in place by {@link Bf16#round} of each value. */
  void roundToBf16(float[] x, int off, int n);

  /**
   * The largest {@code |x_i|}, like {@code torch.amax(x.abs())}: NaN ({@link Float#NaN}) if any element is NaN; +0.0
   * when {@code n == 0}.
   */
  float absMax(float[] x, int off, int n);

  /**
   * Stores {@code min} into {@code out2[0]} and {@code max} into {@code out2[1]}, like {@code torch.amin}/{@code
   * torch.amax}: both {@link Float#NaN} if any element is NaN; -0.0 orders below +0.0 ({@link Math#min} semantics);
   * {@code +Inf, -Inf} when {@code n == 0}, so partial results combine with min/max.
   */
  void minMax(float[] x, int off, int n, float[] out2);

  /** Writes each {@code src} value as its {@link Fp8E4m3#fromFloat} code at {@code dst + dstByteOffset}. */
  void f32ToFp8E4m3(float[] src, int off, int n, MemorySegment dst, long dstByteOffset);

  /**
   * As {@link #f32ToFp8E4m3}, and replaces each {@code x} value by the value of its code ({@link Fp8E4m3#toFloat}):
   * for FP8 scales, whose codes are stored and whose values are then computed with.
   */
  void roundToFp8E4m3(float[] x, int off, int n, MemorySegment dst, long dstByteOffset);

  /** {@link #minMax} of {@code n} little-endian bf16 values read in place (a tensor statistic without widening). */
  void bf16MinMax(MemorySegment src, long srcByteOffset, int n, float[] out2);

  // Weight quantization: a row is split into groups of groupSize elements (the last one may be shorter); group g
  // uses element g of the per-group arrays, which must hold ceil(n / groupSize) elements. A groupSize below 1, or
  // bits outside 1..8, is an IllegalArgumentException.

  /** {@link #minMax} of each group into {@code mins[g]} and {@code maxs[g]} (NaN: both {@link Float#NaN}). */
  void minMaxGroups(float[] x, int off, int n, int groupSize, float[] mins, float[] maxs);

  /** {@link #absMax} of each group into {@code absMaxs[g]}: all a symmetric scale needs, cheaper than min and max. */
  void absMaxGroups(float[] x, int off, int n, int groupSize, float[] absMaxs);

  /**
   * Maps a row onto its quantization grid as compressed-tensors computes {@code x / scale + zero_point} in the model
   * dtype: {@code y[yOff + i] = r(r(x[off + i] / scales[g]) + zeroPoints[g])}, with {@code r} rounding to
   * {@code dtype} ({@link Bf16#round}, {@link F16#round}, or none for F32). A +0.0 zero point turns -0.0 into +0.0.
   * {@code y} may be {@code x} at the same offset.
   *
   * @throws IllegalArgumentException if {@code dtype} is not BF16, F16 or F32
   */
  void divideRound(float[] x, int off, int n, int groupSize, float[] scales, float[] zeroPoints, DType dtype,
      float[] y, int yOff);

  /**
   * Writes {@code ceil(n / 2)} bytes {@link Fp4E2m1#pack}{@code (fromFloat(src[2j]), fromFloat(src[2j + 1]))}
   * (a missing last odd element packs as code 0).
   */
  void f32ToFp4E2m1Packed(float[] src, int off, int n, MemorySegment dst, long dstByteOffset);

  /**
   * Writes each {@code q = (int) Math.rint(clamp(src[i], -2^(bits-1), 2^(bits-1) - 1))} as one signed byte
   * ({@code torch.round} then the int8 cast; NaN gives 0), for {@code 1 <= bits <= 8}.
   */
  void f32ToInt8(float[] src, int off, int n, int bits, MemorySegment dst, long dstByteOffset);

  /**
   * The {@link #f32ToInt8} values {@code q}, packed as compressed-tensors' {@code pack_to_int32}:
   * {@code q + 2^(bits-1)} occupies bits {@code [i·bits, (i+1)·bits)} of a little-endian bit stream, written as
   * {@code 4·ceil(n·bits/32)} bytes (whole int32 words, zero-padded).
   */
  void f32ToPackedInt(float[] src, int off, int n, int bits, MemorySegment dst, long dstByteOffset);

  /** {@code sum a[aOff+i] * b[bOff+i]} in float. */
  float dot(float[] a, int aOff, float[] b, int bOff, int n);

  /** {@code sum bf16(w_i) * x[xOff+i]} in float, reading little-endian bf16 weights in place (mmapped). */
  float dotBf16(MemorySegment w, long wByteOffset, float[] x, int xOff, int n);

  /** {@code sum f16(w_i) * x[xOff+i]} in float, reading little-endian binary16 weights in place. */
  float dotF16(MemorySegment w, long wByteOffset, float[] x, int xOff, int n);

  /** {@code sum w_i * x[xOff+i]} in float, reading little-endian f32 weights in place. */
  float dotF32(MemorySegment w, long wByteOffset, float[] x, int xOff, int n);

  /**
   * Several activation rows against one weight row in one pass over the weights:
   * {@code out[outOff + r] = sum bf16(w_i) * x[xOff + r*xStride + i]} for {@code r < rows}, so a prefill reads each
   * weight row once per batch of rows rather than once per row.
   */
  void dotBf16Rows(MemorySegment w, long wByteOffset, float[] x, int xOff, int xStride, int rows, int n, float[] out,
      int outOff);

  /**
   * FP8 E4M3 codes read in place, scaled per group: {@code out[outOff + r] = sum s(i) * e4m3(w_i) *
   * x[xOff + r*xStride + i]} for {@code r < rows}, with {@code s(i) = scales[scaleOff + i/groupSize]}
   * ({@code groupSize >= n}: one scale for the row). A NaN code gives NaN.
   */
  void dotFp8E4m3Rows(MemorySegment w, long wByteOffset, float[] x, int xOff, int xStride, int rows, int n,
      float[] scales, int scaleOff, int groupSize, float[] out, int outOff);

  /**
   * One-byte integer codes with a zero point per group: {@code out[outOff + r] = sum s(i) * (q_i - z(i)) *
   * x[xOff + r*xStride + i]}, where {@code q_i} is the signed byte (int8 storage) or, when {@code unsigned}, the byte
   * as 0..255 (compressed-tensors' offset-binary packing), {@code s(i) = scales[scaleOff + i/groupSize]} and
   * {@code z(i) = zeros[scaleOff + i/groupSize]}.
   */
  void dotInt8Rows(MemorySegment w, long wByteOffset, boolean unsigned, float[] x, int xOff, int xStride, int rows,
      int n, float[] scales, float[] zeros, int scaleOff, int groupSize, float[] out, int outOff);

  /**
   * Unsigned 4-bit codes, two per byte (element 2k in the low nibble of byte k, 2k+1 in the high one: the byte
   * stream of compressed-tensors' little-endian int32 packing), with a zero point per group, over {@code pairs}
   * bytes: {@code out[outOff + r] = sum_k s(2k) * ((lo_k - z(2k)) * xEven[o + k] + (hi_k - z(2k)) * xOdd[o + k])},
   * {@code o = xOff + r*xStride}. The activation row comes split into its even and odd elements so that no lanes
   * need interleaving; {@code groupSize} counts elements and is even.
   */
  void dotUint4Rows(MemorySegment w, long wByteOffset, float[] xEven, float[] xOdd, int xOff, int xStride, int rows,
      int pairs, float[] scales, float[] zeros, int scaleOff, int groupSize, float[] out, int outOff);

  /**
   * FP4 E2M1 codes, two per byte as {@link Fp4E2m1#pack} stores them, scaled per group, with the activation row split
   * as for {@link #dotUint4Rows}: {@code out[outOff + r] = sum_k s(2k) * (fp4(lo_k) * xEven[o + k] + fp4(hi_k) *
   * xOdd[o + k])}.
   */
  void dotFp4E2m1Rows(MemorySegment w, long wByteOffset, float[] xEven, float[] xOdd, int xOff, int xStride, int rows,
      int pairs, float[] scales, int scaleOff, int groupSize, float[] out, int outOff);

  /**
   * A block of a matrix product in float32, both operands along the reduction:
   * {@code out[outOff + r*outStride + s] = sum a[aOff + r*aStride + i] * b[bOff + s*bStride + i]} over {@code i < n},
   * for {@code r < aRows}, {@code s < bRows}. The SIMD version keeps a 4 x 4 block of sums in registers so that every
   * loaded vector feeds four multiply-adds (prefill: activation rows against a dequantized panel of weight rows).
   */
  void dotF32Block(float[] a, int aOff, int aStride, int aRows, float[] b, int bOff, int bStride, int bRows, int n,
      float[] out, int outOff, int outStride);

  /**
   * FP8 E4M3 codes to float32 with their group's scale: {@code dst[dstOff + i] = e4m3(w_i) * scales[scaleOff +
   * i/groupSize]}, the same value {@link #dotFp8E4m3Rows} multiplies by (exact across implementations; NaN codes give
   * NaN).
   */
  void dequantizeFp8E4m3(MemorySegment w, long wByteOffset, float[] scales, int scaleOff, int groupSize, float[] dst,
      int dstOff, int n);

  /** One-byte integer codes to float32, {@code (q_i - z) * s} as in {@link #dotInt8Rows} (exact). */
  void dequantizeInt8(MemorySegment w, long wByteOffset, boolean unsigned, float[] scales, float[] zeros,
      int scaleOff, int groupSize, float[] dst, int dstOff, int n);

  /**
   * Unsigned 4-bit codes to float32, {@code (code - z) * s} as in {@link #dotUint4Rows}, the low nibbles (even
   * elements) into {@code even[evenOff + k]} and the high ones into {@code odd[oddOff + k]} for {@code k < pairs}
   * (exact).
   */
  void dequantizeUint4(MemorySegment w, long wByteOffset, float[] scales, float[] zeros, int scaleOff, int groupSize,
      float[] even, int evenOff, float[] odd, int oddOff, int pairs);

  /** FP4 E2M1 codes to float32 with their group's scale, split into even and odd elements as {@link #dequantizeUint4}. */
  void dequantizeFp4E2m1(MemorySegment w, long wByteOffset, float[] scales, int scaleOff, int groupSize, float[] even,
      int evenOff, float[] odd, int oddOff, int pairs);

  /**
   * A matrix product with {@code b} laid out along the output, float32:
   * {@code out[outOff + r*outStride + j] = sum a[aOff + r*aStride + p] * b[bOff + p*bStride + j]} over {@code p < k},
   * for {@code r < aRows}, {@code j < n} (attention's probabilities times its values). The SIMD version broadcasts
   * {@code a} and keeps four rows by four vectors of sums in registers.
   */
  void matmulF32(float[] a, int aOff, int aStride, int aRows, float[] b, int bOff, int bStride, int k, int n,
      float[] out, int outOff, int outStride);

  /**
   * Quantize-dequantize to symmetric INT8: {@code out[outOff + i] = rint(clamp(x[off + i] * inverse, -128, 127)) *
   * scale}, ties to even as CUDA's {@code cvt.rni}; bit-identical across implementations.
   */
  void fakeQuantizeInt8(float[] x, int off, int n, float inverse, float scale, float[] out, int outOff);

  /** The implementation chosen once per JVM from {@code -Dvlmq.simd=auto|scalar|panama} (default auto). */
  static Kernels get() {
    return KernelsLoader.BEST;
  }

  /** The scalar reference implementation. */
  static Kernels scalar() {
    return ScalarKernels.INSTANCE;
  }

  /**
   * A Vector API implementation with {@code bits}-wide vectors (128, 256 or 512; 0 for the CPU's widest), or empty
   * when the {@code jdk.incubator.vector} module is absent or the CPU has no vectors that wide.
   */
  static Optional<Kernels> panama(int bits) {
    return KernelsLoader.panama(bits);
  }
}
