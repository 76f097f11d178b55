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
