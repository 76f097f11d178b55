package vlmq.numeric;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The executable specification of {@link Kernels}: plain loops over the scalar codecs. SIMD implementations extend it,
 * so a newly added kernel works everywhere before anyone vectorises it.
 */
public class ScalarKernels implements Kernels {
  static final ScalarKernels INSTANCE = new ScalarKernels();

  protected static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  protected static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  protected ScalarKernels() {}

  @Override
  public String name() {
    return "scalar";
  }

  protected static void checkArray(float[] a, int off, int n) {
    Objects.checkFromIndexSize(off, n, a.length);
  }

  protected static void checkSegment(MemorySegment s, long byteOffset, int n, int elementBytes) {
    Objects.checkFromIndexSize(byteOffset, (long) n * elementBytes, s.byteSize());
  }

  @Override
  public void bf16ToF32(MemorySegment src, long srcByteOffset, float[] dst, int dstOff, int n) {
    checkSegment(src, srcByteOffset, n, 2);
    checkArray(dst, dstOff, n);
    for (int i = 0; i < n; i++) dst[dstOff + i] = Bf16.toFloat(src.get(LE_SHORT, srcByteOffset + 2L * i));
  }

  @Override
  public void f16ToF32(MemorySegment src, long srcByteOffset, float[] dst, int dstOff, int n) {
    checkSegment(src, srcByteOffset, n, 2);
    checkArray(dst, dstOff, n);
    for (int i = 0; i < n; i++) dst[dstOff + i] = F16.toFloat(src.get(LE_SHORT, srcByteOffset + 2L * i));
  }

  @Override
  public void f32ToF32(MemorySegment src, long srcByteOffset, float[] dst, int dstOff, int n) {
    checkSegment(src, srcByteOffset, n, 4);
    checkArray(dst, dstOff, n);
    MemorySegment.copy(src, LE_FLOAT, srcByteOffset, dst, dstOff, n);
  }

  @Override
  public void f32ToBf16(float[] src, int off, int n, MemorySegment dst, long dstByteOffset) {
    checkArray(src, off, n);
    checkSegment(dst, dstByteOffset, n, 2);
    for (int i = 0; i < n; i++) dst.set(LE_SHORT, dstByteOffset + 2L * i, Bf16.fromFloat(src[off + i]));
  }

  @Override
  public void roundToBf16(float[] x, int off, int n) {
    checkArray(x, off, n);
    for (int i = off; i < off + n; i++) x[i] = Bf16.round(x[i]);
  }

  @Override
  public float absMax(float[] x, int off, int n) {
    checkArray(x, off, n);
    float max = 0f;
    for (int i = off; i < off + n; i++) max = Math.max(max, Math.abs(x[i]));
    return Float.isNaN(max) ? Float.NaN : max;
  }

  @Override
  public void minMax(float[] x, int off, int n, float[] out2) {
    checkArray(x, off, n);
    Objects.checkFromIndexSize(0, 2, out2.length);
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (int i = off; i < off + n; i++) {
      min = Math.min(min, x[i]);
      max = Math.max(max, x[i]);
    }
    boolean nan = Float.isNaN(min) || Float.isNaN(max);
    out2[0] = nan ? Float.NaN : min;
    out2[1] = nan ? Float.NaN : max;
  }

  @Override
  public void f32ToFp8E4m3(float[] src, int off, int n, MemorySegment dst, long dstByteOffset) {
    checkArray(src, off, n);
    checkSegment(dst, dstByteOffset, n, 1);
    for (int i = 0; i < n; i++) dst.set(ValueLayout.JAVA_BYTE, dstByteOffset + i, Fp8E4m3.fromFloat(src[off + i]));
  }

  @Override
  public void roundToFp8E4m3(float[] x, int off, int n, MemorySegment dst, long dstByteOffset) {
    checkArray(x, off, n);
    checkSegment(dst, dstByteOffset, n, 1);
    for (int i = 0; i < n; i++) {
      byte code = Fp8E4m3.fromFloat(x[off + i]);
      dst.set(ValueLayout.JAVA_BYTE, dstByteOffset + i, code);
      x[off + i] = Fp8E4m3.toFloat(code);
    }
  }

  @Override
  public void bf16MinMax(MemorySegment src, long srcByteOffset, int n, float[] out2) {
    checkSegment(src, srcByteOffset, n, 2);
    Objects.checkFromIndexSize(0, 2, out2.length);
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      float v = Bf16.toFloat(src.get(LE_SHORT, srcByteOffset + 2L * i));
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    out2[0] = Float.isNaN(min) ? Float.NaN : min;
    out2[1] = Float.isNaN(max) ? Float.NaN : max;
  }

  /** Checks a row split into groups and its two per-group arrays. */
  protected static void checkGroups(float[] x, int off, int n, int groupSize, float[] perGroup1, float[] perGroup2) {
    checkArray(x, off, n);
    if (groupSize <= 0) throw new IllegalArgumentException("group size must be positive, not " + groupSize);
    int groups = n == 0 ? 0 : (n - 1) / groupSize + 1;
    Objects.checkFromIndexSize(0, groups, perGroup1.length);
    Objects.checkFromIndexSize(0, groups, perGroup2.length);
  }

  @Override
  public void minMaxGroups(float[] x, int off, int n, int groupSize, float[] mins, float[] maxs) {
    checkGroups(x, off, n, groupSize, mins, maxs);
    for (int g = 0, from = 0; from < n; g++) {
      int len = Math.min(groupSize, n - from);
      float min = Float.POSITIVE_INFINITY;
      float max = Float.NEGATIVE_INFINITY;
      for (int i = off + from; i < off + from + len; i++) {
        min = Math.min(min, x[i]);
        max = Math.max(max, x[i]);
      }
      mins[g] = Float.isNaN(min) ? Float.NaN : min;
      maxs[g] = Float.isNaN(max) ? Float.NaN : max;
      from += len;
    }
  }

  @Override
  public void absMaxGroups(float[] x, int off, int n, int groupSize, float[] absMaxs) {
    checkGroups(x, off, n, groupSize, absMaxs, absMaxs);
    for (int g = 0, from = 0; from < n; g++) {
      int len = Math.min(groupSize, n - from);
      float max = 0f;
      for (int i = off + from; i < off + from + len; i++) max = Math.max(max, Math.abs(x[i]));
      absMaxs[g] = Float.isNaN(max) ? Float.NaN : max;
      from += len;
    }
  }

  @Override
  public void divideRound(float[] x, int off, int n, int groupSize, float[] scales, float[] zeroPoints, DType dtype,
      float[] y, int yOff) {
    checkGroups(x, off, n, groupSize, scales, zeroPoints);
    checkArray(y, yOff, n);
    checkRounding(dtype);
    for (int g = 0, from = 0; from < n; g++) {
      int len = Math.min(groupSize, n - from);
      float scale = scales[g];
      float zeroPoint = zeroPoints[g];
      for (int i = from; i < from + len; i++) {
        float q = round(x[off + i] / scale, dtype) + zeroPoint;
        // Plus a ±0 zero point q is still a value of dtype (or +0, or the canonical NaN): rounding again is a no-op.
        y[yOff + i] = zeroPoint == 0f ? q : round(q, dtype);
      }
      from += len;
    }
  }

  protected static void checkRounding(DType dtype) {
    if (dtype != DType.BF16 && dtype != DType.F16 && dtype != DType.F32)
      throw new IllegalArgumentException("model dtype must be BF16, F16 or F32, not " + dtype);
  }

  /** {@code v} rounded to the model dtype. */
  protected static float round(float v, DType dtype) {
    return switch (dtype) {
      case BF16 -> Bf16.round(v);
      case F16 -> F16.round(v);
      default -> v;
    };
  }

  @Override
  public void f32ToFp4E2m1Packed(float[] src, int off, int n, MemorySegment dst, long dstByteOffset) {
    checkArray(src, off, n);
    checkSegment(dst, dstByteOffset, (n + 1) / 2, 1);
    packFp4(src, off, n, dst, dstByteOffset);
  }

  /** The loop of {@link #f32ToFp4E2m1Packed}, for the leftover of SIMD loops (even start). */
  protected static void packFp4(float[] src, int off, int n, MemorySegment dst, long dstByteOffset) {
    for (int i = 0; i < n; i += 2) {
      int odd = i + 1 < n ? Fp4E2m1.fromFloat(src[off + i + 1]) : 0;
      dst.set(ValueLayout.JAVA_BYTE, dstByteOffset + i / 2, Fp4E2m1.pack(Fp4E2m1.fromFloat(src[off + i]), odd));
    }
  }

  /** {@code (int) rint(clamp(v, -2^(bits-1), 2^(bits-1) - 1))}, NaN → 0. */
  protected static int intCode(float v, int bits) {
    float lo = -(1 << (bits - 1));
    float hi = (1 << (bits - 1)) - 1;
    return (int) Math.rint(v < lo ? lo : v > hi ? hi : v);
  }

  protected static void checkBits(int bits) {
    if (bits < 1 || bits > 8) throw new IllegalArgumentException("integer codes have 1 to 8 bits, not " + bits);
  }

  @Override
  public void f32ToInt8(float[] src, int off, int n, int bits, MemorySegment dst, long dstByteOffset) {
    checkArray(src, off, n);
    checkBits(bits);
    checkSegment(dst, dstByteOffset, n, 1);
    for (int i = 0; i < n; i++) dst.set(ValueLayout.JAVA_BYTE, dstByteOffset + i, (byte) intCode(src[off + i], bits));
  }

  /** Bytes {@link #f32ToPackedInt} writes for {@code n} values: whole int32 words. */
  protected static long packedIntBytes(int n, int bits) {
    return 4 * Math.ceilDiv((long) n * bits, 32);
  }

  @Override
  public void f32ToPackedInt(float[] src, int off, int n, int bits, MemorySegment dst, long dstByteOffset) {
    checkArray(src, off, n);
    checkBits(bits);
    long end = dstByteOffset + packedIntBytes(n, bits);
    Objects.checkFromToIndex(dstByteOffset, end, dst.byteSize());
    packInts(src, off, n, bits, dst, dstByteOffset, end);
  }

  /**
   * The bit stream of {@link #f32ToPackedInt} from byte {@code at} (the values must start on a byte boundary of the
   * stream), zero-filled up to {@code end}.
   */
  protected static void packInts(float[] src, int off, int n, int bits, MemorySegment dst, long at, long end) {
    int offset = 1 << (bits - 1);
    int pending = 0;
    int pendingBits = 0;
    for (int i = 0; i < n; i++) {
      pending |= (intCode(src[off + i], bits) + offset) << pendingBits;
      pendingBits += bits;
      for (; pendingBits >= 8; pendingBits -= 8, pending >>>= 8) dst.set(ValueLayout.JAVA_BYTE, at++, (byte) pending);
    }
    if (pendingBits > 0) dst.set(ValueLayout.JAVA_BYTE, at++, (byte) pending);
    for (; at < end; at++) dst.set(ValueLayout.JAVA_BYTE, at, (byte) 0);
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    checkArray(a, aOff, n);
    checkArray(b, bOff, n);
    float sum = 0f;
    for (int i = 0; i < n; i++) sum = Math.fma(a[aOff + i], b[bOff + i], sum);
    return sum;
  }

  @Override
  public float dotBf16(MemorySegment w, long wByteOffset, float[] x, int xOff, int n) {
    checkSegment(w, wByteOffset, n, 2);
    checkArray(x, xOff, n);
    float sum = 0f;
    for (int i = 0; i < n; i++) sum = Math.fma(Bf16.toFloat(w.get(LE_SHORT, wByteOffset + 2L * i)), x[xOff + i], sum);
    return sum;
  }

  @Override
  public float dotF16(MemorySegment w, long wByteOffset, float[] x, int xOff, int n) {
    checkSegment(w, wByteOffset, n, 2);
    checkArray(x, xOff, n);
    float sum = 0f;
    for (int i = 0; i < n; i++) sum = Math.fma(F16.toFloat(w.get(LE_SHORT, wByteOffset + 2L * i)), x[xOff + i], sum);
    return sum;
  }

  @Override
  public float dotF32(MemorySegment w, long wByteOffset, float[] x, int xOff, int n) {
    checkSegment(w, wByteOffset, n, 4);
    checkArray(x, xOff, n);
    float sum = 0f;
    for (int i = 0; i < n; i++) sum = Math.fma(w.get(LE_FLOAT, wByteOffset + 4L * i), x[xOff + i], sum);
    return sum;
  }

  @Override
  public String toString() {
    return name();
  }
}
