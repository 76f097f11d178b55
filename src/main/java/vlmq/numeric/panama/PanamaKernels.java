package vlmq.numeric.panama;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.I2B;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.I2S;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;
import static jdk.incubator.vector.VectorOperators.S2I;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import vlmq.numeric.Bf16;
import vlmq.numeric.F16;
import vlmq.numeric.Fp8E4m3;
import vlmq.numeric.Kernels;
import vlmq.numeric.ScalarKernels;

/**
 * {@link Kernels} on the Vector API, bit-identical to {@link ScalarKernels} for everything that produces bytes or
 * rounded values (integer bit manipulation mirroring the scalar codecs), with leftover elements done by the scalar
 * codecs.
 *
 * <p>The Vector API only compiles to SIMD when a species is a compile-time constant, so each width is a subclass with
 * {@code static final} species; the production JVM loads just one, which lets the JIT devirtualise the accessors by
 * class-hierarchy analysis. Loaded reflectively by {@code KernelsLoader} through {@link #create(int)}.
 */
public abstract sealed class PanamaKernels extends ScalarKernels
    permits PanamaKernels.Bits128, PanamaKernels.Bits256, PanamaKernels.Bits512 {
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final int E4M3_FROM_480 = 0x43F00000;
  private static final int E4M3_MIN_NORMAL = 121 << 23;
  private static final int E4M3_SUBNORMAL_MAGIC = 141 << 23;

  /** The kernels for {@code bits}-wide vectors (128, 256, 512, or 0 for the CPU's widest). */
  public static Kernels create(int bits) {
    int widest = VectorShape.preferredShape().vectorBitSize();
    if (bits != 0 && bits != 128 && bits != 256 && bits != 512) {
      throw new IllegalArgumentException("vector width must be 128, 256 or 512 bits, not " + bits);
    }
    int chosen = bits == 0 ? widest : bits;
    if (chosen > widest || chosen < 128) {
      throw new UnsupportedOperationException("CPU vectors are " + widest + " bits wide, need " + chosen);
    }
    // Separate returns (no merged type) so the verifier does not load the other widths' classes.
    if (chosen == 128) return new Bits128();
    if (chosen == 256) return new Bits256();
    return new Bits512();
  }

  PanamaKernels() {}

  abstract VectorSpecies<Float> floats();

  abstract VectorSpecies<Integer> ints();

  abstract VectorSpecies<Short> shorts();

  abstract VectorSpecies<Byte> bytes();

  @Override
  public String name() {
    return "panama-" + floats().vectorBitSize();
  }

  @Override
  public void bf16ToF32(MemorySegment src, long srcByteOffset, float[] dst, int dstOff, int n) {
    checkSegment(src, srcByteOffset, n, 2);
    checkArray(dst, dstOff, n);
    VectorSpecies<Short> s = shorts();
    VectorSpecies<Integer> in = ints();
    int half = in.length();
    int i = 0;
    for (int bound = s.loopBound(n); i < bound; i += s.length()) {
      ShortVector raw = ShortVector.fromMemorySegment(s, src, srcByteOffset + 2L * i, LE);
      bf16Widen(raw, in, 0).intoArray(dst, dstOff + i);
      bf16Widen(raw, in, 1).intoArray(dst, dstOff + i + half);
    }
    for (; i < n; i++) dst[dstOff + i] = Bf16.toFloat(src.get(LE_SHORT, srcByteOffset + 2L * i));
  }

  private static FloatVector bf16Widen(ShortVector raw, VectorSpecies<Integer> in, int part) {
    // Sign extension from S2I is shifted out; bf16 is the top half of an f32.
    return ((IntVector) raw.convertShape(S2I, in, part)).lanewise(LSHL, 16).reinterpretAsFloats();
  }

  @Override
  public void f16ToF32(MemorySegment src, long srcByteOffset, float[] dst, int dstOff, int n) {
    checkSegment(src, srcByteOffset, n, 2);
    checkArray(dst, dstOff, n);
    VectorSpecies<Short> s = shorts();
    VectorSpecies<Integer> in = ints();
    int half = in.length();
    int i = 0;
    for (int bound = s.loopBound(n); i < bound; i += s.length()) {
      ShortVector raw = ShortVector.fromMemorySegment(s, src, srcByteOffset + 2L * i, LE);
      f16Widen((IntVector) raw.convertShape(S2I, in, 0)).intoArray(dst, dstOff + i);
      f16Widen((IntVector) raw.convertShape(S2I, in, 1)).intoArray(dst, dstOff + i + half);
    }
    for (; i < n; i++) dst[dstOff + i] = F16.toFloat(src.get(LE_SHORT, srcByteOffset + 2L * i));
  }

  /** binary16 bits (sign-extended) to f32, as {@link F16#toFloat}. */
  private static FloatVector f16Widen(IntVector h) {
    IntVector sign = h.and(0x8000).lanewise(LSHL, 16);
    IntVector magnitude = h.and(0x7FFF);
    IntVector mantissa = h.and(0x3FF);
    // Normal: move exponent and mantissa into place and rebias 15 -> 127.
    IntVector bits = magnitude.lanewise(LSHL, 13).add((127 - 15) << 23);
    // Subnormal (and zero): mantissa * 2^-24 is exact in f32.
    IntVector subnormal = ((FloatVector) mantissa.convert(I2F, 0)).mul(0x1p-24f).reinterpretAsInts();
    bits = bits.blend(subnormal, magnitude.compare(LT, 0x400));
    // Inf stays Inf; NaN is quieted with its payload kept.
    IntVector special = mantissa.lanewise(LSHL, 13).or(0x7F800000);
    special = special.blend(special.or(0x400000), mantissa.compare(GT, 0));
    bits = bits.blend(special, magnitude.compare(GE, 0x7C00));
    return bits.or(sign).reinterpretAsFloats();
  }

  @Override
  public void f32ToBf16(float[] src, int off, int n, MemorySegment dst, long dstByteOffset) {
    checkArray(src, off, n);
    checkSegment(dst, dstByteOffset, n, 2);
    VectorSpecies<Short> s = shorts();
    VectorSpecies<Float> f = floats();
    int half = f.length();
    int i = 0;
    for (int bound = s.loopBound(n); i < bound; i += s.length()) {
      IntVector lo = bf16Bits(FloatVector.fromArray(f, src, off + i));
      IntVector hi = bf16Bits(FloatVector.fromArray(f, src, off + i + half));
      ShortVector packed = ((ShortVector) lo.convertShape(I2S, s, 0)).or((ShortVector) hi.convertShape(I2S, s, -1));
      packed.intoMemorySegment(dst, dstByteOffset + 2L * i, LE);
    }
    for (; i < n; i++) dst.set(LE_SHORT, dstByteOffset + 2L * i, Bf16.fromFloat(src[off + i]));
  }

  /** The bf16 pattern of each lane in the low 16 bits, as {@link Bf16#fromFloat}. */
  private static IntVector bf16Bits(FloatVector x) {
    IntVector bits = x.reinterpretAsInts();
    IntVector rounded = bits.add(bits.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16);
    return rounded.blend(Bf16.NAN & 0xFFFF, nan(bits));
  }

  private static VectorMask<Integer> nan(IntVector bits) {
    return bits.and(0x7FFFFFFF).compare(GT, 0x7F800000);
  }

  @Override
  public void roundToBf16(float[] x, int off, int n) {
    checkArray(x, off, n);
    VectorSpecies<Float> f = floats();
    int i = 0;
    for (int bound = f.loopBound(n); i < bound; i += f.length()) {
      IntVector bits = bf16Bits(FloatVector.fromArray(f, x, off + i)).lanewise(LSHL, 16);
      bits.reinterpretAsFloats().intoArray(x, off + i);
    }
    for (; i < n; i++) x[off + i] = Bf16.round(x[off + i]);
  }

  @Override
  public float absMax(float[] x, int off, int n) {
    checkArray(x, off, n);
    VectorSpecies<Float> f = floats();
    // Lane-wise MAX follows Math.max, so a NaN stays in its lane and wins the reduction.
    FloatVector acc = FloatVector.zero(f);
    int i = 0;
    for (int bound = f.loopBound(n); i < bound; i += f.length()) {
      acc = acc.lanewise(MAX, FloatVector.fromArray(f, x, off + i).abs());
    }
    float max = acc.reduceLanes(MAX);
    for (; i < n; i++) max = Math.max(max, Math.abs(x[off + i]));
    return Float.isNaN(max) ? Float.NaN : max;
  }

  @Override
  public void minMax(float[] x, int off, int n, float[] out2) {
    checkArray(x, off, n);
    Objects.checkFromIndexSize(0, 2, out2.length);
    VectorSpecies<Float> f = floats();
    FloatVector lo = FloatVector.broadcast(f, Float.POSITIVE_INFINITY);
    FloatVector hi = FloatVector.broadcast(f, Float.NEGATIVE_INFINITY);
    int i = 0;
    for (int bound = f.loopBound(n); i < bound; i += f.length()) {
      FloatVector v = FloatVector.fromArray(f, x, off + i);
      lo = lo.lanewise(MIN, v);
      hi = hi.lanewise(MAX, v);
    }
    float min = lo.reduceLanes(MIN);
    float max = hi.reduceLanes(MAX);
    for (; i < n; i++) {
      min = Math.min(min, x[off + i]);
      max = Math.max(max, x[off + i]);
    }
    boolean nan = Float.isNaN(min) || Float.isNaN(max);
    out2[0] = nan ? Float.NaN : min;
    out2[1] = nan ? Float.NaN : max;
  }

  @Override
  public void f32ToFp8E4m3(float[] src, int off, int n, MemorySegment dst, long dstByteOffset) {
    checkArray(src, off, n);
    checkSegment(dst, dstByteOffset, n, 1);
    VectorSpecies<Byte> b = bytes();
    VectorSpecies<Float> f = floats();
    int quarter = f.length();
    int i = 0;
    for (int bound = b.loopBound(n); i < bound; i += b.length()) {
      ByteVector codes = (ByteVector) e4m3(FloatVector.fromArray(f, src, off + i)).convertShape(I2B, b, 0);
      for (int part = 1; part < 4; part++) {
        IntVector lanes = e4m3(FloatVector.fromArray(f, src, off + i + part * quarter));
        codes = codes.or((ByteVector) lanes.convertShape(I2B, b, -part));
      }
      codes.intoMemorySegment(dst, dstByteOffset + i, LE);
    }
    for (; i < n; i++) dst.set(ValueLayout.JAVA_BYTE, dstByteOffset + i, Fp8E4m3.fromFloat(src[off + i]));
  }

  /** The E4M3FN code of each lane in the low 8 bits, the same bit steps as {@link Fp8E4m3#fromFloat}. */
  private static IntVector e4m3(FloatVector x) {
    IntVector bits = x.reinterpretAsInts();
    IntVector sign = bits.lanewise(LSHR, 24).and(0x80);
    IntVector abs = bits.and(0x7FFFFFFF);
    IntVector normal = abs.add(abs.lanewise(LSHR, 20).and(1)).add(((7 - 127) << 23) + 0x7FFFF).lanewise(LSHR, 20);
    normal = normal.min(0x7E); // only (464, 480) reaches 0x7F here: saturate like the scalar codec
    IntVector subnormal = abs.reinterpretAsFloats()
        .add(Float.intBitsToFloat(E4M3_SUBNORMAL_MAGIC))
        .reinterpretAsInts()
        .sub(E4M3_SUBNORMAL_MAGIC);
    IntVector code = normal.blend(subnormal, abs.compare(LT, E4M3_MIN_NORMAL));
    code = code.blend(0x7E, abs.compare(GE, E4M3_FROM_480));
    code = code.blend(0x7F, abs.compare(GT, 0x7F800000));
    return code.or(sign);
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    checkArray(a, aOff, n);
    checkArray(b, bOff, n);
    VectorSpecies<Float> f = floats();
    int lanes = f.length();
    FloatVector acc0 = FloatVector.zero(f);
    FloatVector acc1 = FloatVector.zero(f);
    FloatVector acc2 = FloatVector.zero(f);
    FloatVector acc3 = FloatVector.zero(f);
    int i = 0;
    // Four accumulators hide the FMA latency.
    for (int bound = n - n % (4 * lanes); i < bound; i += 4 * lanes) {
      acc0 = FloatVector.fromArray(f, a, aOff + i).fma(FloatVector.fromArray(f, b, bOff + i), acc0);
      acc1 = FloatVector.fromArray(f, a, aOff + i + lanes).fma(FloatVector.fromArray(f, b, bOff + i + lanes), acc1);
      acc2 = FloatVector.fromArray(f, a, aOff + i + 2 * lanes)
          .fma(FloatVector.fromArray(f, b, bOff + i + 2 * lanes), acc2);
      acc3 = FloatVector.fromArray(f, a, aOff + i + 3 * lanes)
          .fma(FloatVector.fromArray(f, b, bOff + i + 3 * lanes), acc3);
    }
    for (int bound = f.loopBound(n); i < bound; i += lanes) {
      acc0 = FloatVector.fromArray(f, a, aOff + i).fma(FloatVector.fromArray(f, b, bOff + i), acc0);
    }
    float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(ADD);
    for (; i < n; i++) sum = Math.fma(a[aOff + i], b[bOff + i], sum);
    return sum;
  }

  @Override
  public float dotBf16(MemorySegment w, long wByteOffset, float[] x, int xOff, int n) {
    checkSegment(w, wByteOffset, n, 2);
    checkArray(x, xOff, n);
    VectorSpecies<Short> s = shorts();
    VectorSpecies<Float> f = floats();
    VectorSpecies<Integer> in = ints();
    int half = f.length();
    FloatVector acc0 = FloatVector.zero(f);
    FloatVector acc1 = FloatVector.zero(f);
    int i = 0;
    for (int bound = s.loopBound(n); i < bound; i += s.length()) {
      ShortVector raw = ShortVector.fromMemorySegment(s, w, wByteOffset + 2L * i, LE);
      acc0 = bf16Widen(raw, in, 0).fma(FloatVector.fromArray(f, x, xOff + i), acc0);
      acc1 = bf16Widen(raw, in, 1).fma(FloatVector.fromArray(f, x, xOff + i + half), acc1);
    }
    float sum = acc0.add(acc1).reduceLanes(ADD);
    for (; i < n; i++) sum = Math.fma(Bf16.toFloat(w.get(LE_SHORT, wByteOffset + 2L * i)), x[xOff + i], sum);
    return sum;
  }

  static final class Bits128 extends PanamaKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_128;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    @Override
    VectorSpecies<Float> floats() {
      return F;
    }

    @Override
    VectorSpecies<Integer> ints() {
      return I;
    }

    @Override
    VectorSpecies<Short> shorts() {
      return S;
    }

    @Override
    VectorSpecies<Byte> bytes() {
      return B;
    }
  }

  static final class Bits256 extends PanamaKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;

    @Override
    VectorSpecies<Float> floats() {
      return F;
    }

    @Override
    VectorSpecies<Integer> ints() {
      return I;
    }

    @Override
    VectorSpecies<Short> shorts() {
      return S;
    }

    @Override
    VectorSpecies<Byte> bytes() {
      return B;
    }
  }

  static final class Bits512 extends PanamaKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;

    @Override
    VectorSpecies<Float> floats() {
      return F;
    }

    @Override
    VectorSpecies<Integer> ints() {
      return I;
    }

    @Override
    VectorSpecies<Short> shorts() {
      return S;
    }

    @Override
    VectorSpecies<Byte> bytes() {
      return B;
    }
  }
}
