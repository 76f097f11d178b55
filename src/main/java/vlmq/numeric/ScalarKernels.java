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
  public String toString() {
    return name();
  }
}
