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

  /**
   * Checks the arguments of the multi-row dot kernels: {@code rows} activation rows of {@code n} values
   * {@code xStride} apart, {@code ceil(n / groupSize)} scales (and zeros), {@code rows} outputs.
   */
  protected static void checkRows(float[] x, int xOff, int xStride, int rows, int n, float[] scales, float[] zeros,
      int scaleOff, int groupSize, float[] out, int outOff) {
    if (rows < 1 || n < 0 || groupSize < 1 || xStride < 0) {
      throw new IllegalArgumentException("rows " + rows + ", n " + n + ", groupSize " + groupSize + ", xStride "
          + xStride + ": rows and groupSize must be positive, n and xStride non-negative");
    }
    checkArray(x, xOff, (int) Math.min(Integer.MAX_VALUE, (long) (rows - 1) * xStride + n));
    int groups = n == 0 ? 0 : Math.ceilDiv(n, groupSize);
    if (scales != null) Objects.checkFromIndexSize(scaleOff, groups, scales.length);
    if (zeros != null) Objects.checkFromIndexSize(scaleOff, groups, zeros.length);
    Objects.checkFromIndexSize(outOff, rows, out.length);
  }

  @Override
  public void dotBf16Rows(MemorySegment w, long wByteOffset, float[] x, int xOff, int xStride, int rows, int n,
      float[] out, int outOff) {
    checkSegment(w, wByteOffset, n, 2);
    checkRows(x, xOff, xStride, rows, n, null, null, 0, 1, out, outOff);
    for (int r = 0; r < rows; r++) out[outOff + r] = dotBf16(w, wByteOffset, x, xOff + r * xStride, n);
  }

  @Override
  public void dotFp8E4m3Rows(MemorySegment w, long wByteOffset, float[] x, int xOff, int xStride, int rows, int n,
      float[] scales, int scaleOff, int groupSize, float[] out, int outOff) {
    checkSegment(w, wByteOffset, n, 1);
    checkRows(x, xOff, xStride, rows, n, scales, null, scaleOff, groupSize, out, outOff);
    for (int r = 0; r < rows; r++) {
      int xr = xOff + r * xStride;
      float sum = 0f;
      for (int i = 0; i < n; i++) {
        float weight = Fp8E4m3.toFloat(w.get(ValueLayout.JAVA_BYTE, wByteOffset + i)) * scales[scaleOff + i / groupSize];
        sum = Math.fma(weight, x[xr + i], sum);
      }
      out[outOff + r] = sum;
    }
  }

  @Override
  public void dotInt8Rows(MemorySegment w, long wByteOffset, boolean unsigned, float[] x, int xOff, int xStride,
      int rows, int n, float[] scales, float[] zeros, int scaleOff, int groupSize, float[] out, int outOff) {
    checkSegment(w, wByteOffset, n, 1);
    checkRows(x, xOff, xStride, rows, n, scales, zeros, scaleOff, groupSize, out, outOff);
    for (int r = 0; r < rows; r++) {
      int xr = xOff + r * xStride;
      float sum = 0f;
      for (int i = 0; i < n; i++) {
        byte b = w.get(ValueLayout.JAVA_BYTE, wByteOffset + i);
        int g = scaleOff + i / groupSize;
        float weight = ((unsigned ? b & 0xFF : b) - zeros[g]) * scales[g];
        sum = Math.fma(weight, x[xr + i], sum);
      }
      out[outOff + r] = sum;
    }
  }

  @Override
  public void dotUint4Rows(MemorySegment w, long wByteOffset, float[] xEven, float[] xOdd, int xOff, int xStride,
      int rows, int pairs, float[] scales, float[] zeros, int scaleOff, int groupSize, float[] out, int outOff) {
    checkPairs(w, wByteOffset, xEven, xOdd, xOff, xStride, rows, pairs, scales, zeros, scaleOff, groupSize, out,
        outOff);
    for (int r = 0; r < rows; r++) {
      int xr = xOff + r * xStride;
      float sum = 0f;
      for (int k = 0; k < pairs; k++) {
        int b = w.get(ValueLayout.JAVA_BYTE, wByteOffset + k);
        int g = scaleOff + 2 * k / groupSize;
        sum = Math.fma(((b & 0xF) - zeros[g]) * scales[g], xEven[xr + k], sum);
        sum = Math.fma((((b >>> 4) & 0xF) - zeros[g]) * scales[g], xOdd[xr + k], sum);
      }
      out[outOff + r] = sum;
    }
  }

  @Override
  public void dotFp4E2m1Rows(MemorySegment w, long wByteOffset, float[] xEven, float[] xOdd, int xOff, int xStride,
      int rows, int pairs, float[] scales, int scaleOff, int groupSize, float[] out, int outOff) {
    checkPairs(w, wByteOffset, xEven, xOdd, xOff, xStride, rows, pairs, scales, null, scaleOff, groupSize, out,
        outOff);
    for (int r = 0; r < rows; r++) {
      int xr = xOff + r * xStride;
      float sum = 0f;
      for (int k = 0; k < pairs; k++) {
        byte b = w.get(ValueLayout.JAVA_BYTE, wByteOffset + k);
        float s = scales[scaleOff + 2 * k / groupSize];
        sum = Math.fma(Fp4E2m1.toFloat(Fp4E2m1.evenCode(b)) * s, xEven[xr + k], sum);
        sum = Math.fma(Fp4E2m1.toFloat(Fp4E2m1.oddCode(b)) * s, xOdd[xr + k], sum);
      }
      out[outOff + r] = sum;
    }
  }

  /** {@link #checkRows} for the two-codes-per-byte kernels, whose groups must not split a byte. */
  protected static void checkPairs(MemorySegment w, long wByteOffset, float[] xEven, float[] xOdd, int xOff,
      int xStride, int rows, int pairs, float[] scales, float[] zeros, int scaleOff, int groupSize, float[] out,
      int outOff) {
    if (groupSize % 2 != 0) {
      throw new IllegalArgumentException("groupSize " + groupSize + " splits a byte of two 4-bit codes");
    }
    checkSegment(w, wByteOffset, pairs, 1);
    checkRows(xEven, xOff, xStride, rows, pairs, scales, zeros, scaleOff, groupSize / 2, out, outOff);
    checkRows(xOdd, xOff, xStride, rows, pairs, null, null, 0, 1, out, outOff);
  }

  @Override
  public void dotF32Block(float[] a, int aOff, int aStride, int aRows, float[] b, int bOff, int bStride, int bRows,
      int n, float[] out, int outOff, int outStride) {
    checkBlock(a, aOff, aStride, aRows, b, bOff, bStride, bRows, n, out, outOff, outStride);
    for (int r = 0; r < aRows; r++) {
      for (int s = 0; s < bRows; s++) out[outOff + r * outStride + s] = dot(a, aOff + r * aStride, b, bOff + s * bStride, n);
    }
  }

  /** Checks the arguments of {@link #dotF32Block}. */
  protected static void checkBlock(float[] a, int aOff, int aStride, int aRows, float[] b, int bOff, int bStride,
      int bRows, int n, float[] out, int outOff, int outStride) {
    if (aRows < 0 || bRows < 0 || n < 0 || aStride < 0 || bStride < 0 || outStride < 0) {
      throw new IllegalArgumentException("negative count or stride");
    }
    if (aRows == 0 || bRows == 0) return;
    checkArray(a, aOff, Math.toIntExact((long) (aRows - 1) * aStride + n));
    checkArray(b, bOff, Math.toIntExact((long) (bRows - 1) * bStride + n));
    checkArray(out, outOff, Math.toIntExact((long) (aRows - 1) * outStride + bRows));
  }

  @Override
  public void dequantizeFp8E4m3(MemorySegment w, long wByteOffset, float[] scales, int scaleOff, int groupSize,
      float[] dst, int dstOff, int n) {
    checkSegment(w, wByteOffset, n, 1);
    checkRows(dst, dstOff, 0, 1, n, scales, null, scaleOff, groupSize, dst, dstOff);
    for (int i = 0; i < n; i++) {
      dst[dstOff + i] = Fp8E4m3.toFloat(w.get(ValueLayout.JAVA_BYTE, wByteOffset + i)) * scales[scaleOff + i / groupSize];
    }
  }

  @Override
  public void dequantizeInt8(MemorySegment w, long wByteOffset, boolean unsigned, float[] scales, float[] zeros,
      int scaleOff, int groupSize, float[] dst, int dstOff, int n) {
    checkSegment(w, wByteOffset, n, 1);
    checkRows(dst, dstOff, 0, 1, n, scales, zeros, scaleOff, groupSize, dst, dstOff);
    for (int i = 0; i < n; i++) {
      byte b = w.get(ValueLayout.JAVA_BYTE, wByteOffset + i);
      int g = scaleOff + i / groupSize;
      dst[dstOff + i] = ((unsigned ? b & 0xFF : b) - zeros[g]) * scales[g];
    }
  }

  @Override
  public void dequantizeUint4(MemorySegment w, long wByteOffset, float[] scales, float[] zeros, int scaleOff,
      int groupSize, float[] even, int evenOff, float[] odd, int oddOff, int pairs) {
    checkSplit(w, wByteOffset, scales, zeros, scaleOff, groupSize, even, evenOff, odd, oddOff, pairs);
    for (int k = 0; k < pairs; k++) {
      int b = w.get(ValueLayout.JAVA_BYTE, wByteOffset + k);
      int g = scaleOff + 2 * k / groupSize;
      even[evenOff + k] = ((b & 0xF) - zeros[g]) * scales[g];
      odd[oddOff + k] = (((b >>> 4) & 0xF) - zeros[g]) * scales[g];
    }
  }

  @Override
  public void dequantizeFp4E2m1(MemorySegment w, long wByteOffset, float[] scales, int scaleOff, int groupSize,
      float[] even, int evenOff, float[] odd, int oddOff, int pairs) {
    checkSplit(w, wByteOffset, scales, null, scaleOff, groupSize, even, evenOff, odd, oddOff, pairs);
    for (int k = 0; k < pairs; k++) {
      byte b = w.get(ValueLayout.JAVA_BYTE, wByteOffset + k);
      float s = scales[scaleOff + 2 * k / groupSize];
      even[evenOff + k] = Fp4E2m1.toFloat(Fp4E2m1.evenCode(b)) * s;
      odd[oddOff + k] = Fp4E2m1.toFloat(Fp4E2m1.oddCode(b)) * s;
    }
  }

  /** Checks the arguments of the two-codes-per-byte dequantizers. */
  protected static void checkSplit(MemorySegment w, long wByteOffset, float[] scales, float[] zeros, int scaleOff,
      int groupSize, float[] even, int evenOff, float[] odd, int oddOff, int pairs) {
    if (groupSize < 2 || groupSize % 2 != 0) {
      throw new IllegalArgumentException("groupSize " + groupSize + " splits a byte of two 4-bit codes");
    }
    checkSegment(w, wByteOffset, pairs, 1);
    checkRows(even, evenOff, 0, 1, pairs, scales, zeros, scaleOff, groupSize / 2, even, evenOff);
    checkArray(odd, oddOff, pairs);
  }

  @Override
  public void matmulF32(float[] a, int aOff, int aStride, int aRows, float[] b, int bOff, int bStride, int k, int n,
      float[] out, int outOff, int outStride) {
    checkProduct(a, aOff, aStride, aRows, b, bOff, bStride, k, n, out, outOff, outStride);
    for (int r = 0; r < aRows; r++) {
      for (int j = 0; j < n; j++) {
        float sum = 0f;
        for (int p = 0; p < k; p++) sum = Math.fma(a[aOff + r * aStride + p], b[bOff + p * bStride + j], sum);
        out[outOff + r * outStride + j] = sum;
      }
    }
  }

  /** Checks the arguments of {@link #matmulF32}. */
  protected static void checkProduct(float[] a, int aOff, int aStride, int aRows, float[] b, int bOff, int bStride,
      int k, int n, float[] out, int outOff, int outStride) {
    if (aRows < 0 || k < 0 || n < 0 || aStride < 0 || bStride < 0 || outStride < 0) {
      throw new IllegalArgumentException("negative count or stride");
    }
    if (aRows == 0 || n == 0) return;
    if (k > 0) {
      checkArray(a, aOff, Math.toIntExact((long) (aRows - 1) * aStride + k));
      checkArray(b, bOff, Math.toIntExact((long) (k - 1) * bStride + n));
    }
    checkArray(out, outOff, Math.toIntExact((long) (aRows - 1) * outStride + n));
  }

  @Override
  public void fakeQuantizeInt8(float[] x, int off, int n, float inverse, float scale, float[] out, int outOff) {
    checkArray(x, off, n);
    checkArray(out, outOff, n);
    for (int i = 0; i < n; i++) {
      out[outOff + i] = (float) Math.rint(Math.max(-128f, Math.min(127f, x[off + i] * inverse))) * scale;
    }
  }

  @Override
  public String toString() {
    return name();
  }
}
