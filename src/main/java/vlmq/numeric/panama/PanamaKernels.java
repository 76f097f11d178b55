package vlmq.numeric.panama;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.I2B;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.I2S;
import static jdk.incubator.vector.VectorOperators.IS_NAN;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;
import static jdk.incubator.vector.VectorOperators.S2B;
import static jdk.incubator.vector.VectorOperators.S2I;
import static jdk.incubator.vector.VectorOperators.XOR;

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
import vlmq.numeric.DType;
import vlmq.numeric.F16;
import vlmq.numeric.Fp4E2m1;
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
  // bf16MinMax's order keys of ±Inf.
  private static final short BF16_KEY_INF = 0x7F80;
  private static final short BF16_KEY_NEG_INF = (short) (0xFF80 ^ 0x7FFF);
  private static final int F32_ONE = Float.floatToRawIntBits(1f);
  private static final int F32_2_POW_22 = Float.floatToRawIntBits(0x1p22f);
  /** 1.5·2^23: adding it rounds any |v| < 2^22 to an integer (ties to even), found in the low mantissa bits. */
  private static final float ROUND_TO_INT = 0x1.8p23f;
  private static final int ROUND_TO_INT_BITS = Float.floatToRawIntBits(ROUND_TO_INT);

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

  /**
   * The narrowest byte species holding one float vector's worth of codes: loaded and widened with one conversion
   * (part 0), where splitting a full-width byte vector into parts costs shuffles. For 128-bit floats it is 64 bits
   * wide, of which the first four bytes are used.
   */
  abstract VectorSpecies<Byte> codeBytes();

  /** Shorts for one float vector: half the vector width. */
  abstract VectorSpecies<Short> halfShorts();

  /** Elements (or code bytes) the code loops cover without reading past {@code n}: whole float vectors. */
  private int codeBound(int n) {
    int loaded = codeBytes().length();
    int lanes = floats().length();
    return n < loaded ? 0 : ((n - loaded) / lanes + 1) * lanes;
  }

  /** The codes {@code [at, at + L)} of {@code w}, sign-extended to int lanes. */
  private IntVector codes(MemorySegment w, long at) {
    return (IntVector) ByteVector.fromMemorySegment(codeBytes(), w, at, LE).convertShape(B2I, ints(), 0);
  }

  @Override
  public String name() {
    return "panama-" + floats().vectorBitSize();
  }

  @Override
  public void bf16ToF32(MemorySegment src, long srcByteOffset, float[] dst, int dstOff, int n) {
    checkSegment(src, srcByteOffset, n, 2);
    checkArray(dst, dstOff, n);
    VectorSpecies<Short> s = laneShorts();
    VectorSpecies<Integer> in = ints();
    int i = 0;
    for (int bound = in.loopBound(n); i < bound; i += in.length()) {
      // As bf16Widen, one int vector per load: widening with part 1 goes through a lane shuffle (see laneBytes).
      ShortVector raw = ShortVector.fromMemorySegment(s, src, srcByteOffset + 2L * i, LE);
      ((IntVector) raw.convertShape(S2I, in, 0)).lanewise(LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + i);
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
    e4m3(src, off, n, dst, dstByteOffset, false);
  }

  @Override
  public void roundToFp8E4m3(float[] x, int off, int n, MemorySegment dst, long dstByteOffset) {
    checkArray(x, off, n);
    checkSegment(dst, dstByteOffset, n, 1);
    e4m3(x, off, n, dst, dstByteOffset, true);
  }

  /** {@link #f32ToFp8E4m3}, and with {@code decode} {@link #roundToFp8E4m3}. */
  private void e4m3(float[] x, int off, int n, MemorySegment dst, long dstByteOffset, boolean decode) {
    VectorSpecies<Float> f = floats();
    VectorSpecies<Byte> b = laneBytes();
    int i = 0;
    for (; i <= n - b.length(); i += f.length()) {
      // The E4M3FN code of each lane, the same bit steps as Fp8E4m3.fromFloat.
      IntVector bits = FloatVector.fromArray(f, x, off + i).reinterpretAsInts();
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
      ((ByteVector) code.or(bits.lanewise(LSHR, 24).and(0x80)).convertShape(I2B, b, 0))
          .intoMemorySegment(dst, dstByteOffset + i, LE);
      if (decode) {
        // Fp8E4m3.toFloat: exponent and mantissa move up and rebias (7 -> 127) as one field.
        IntVector value = code.lanewise(LSHL, 20).add(120 << 23);
        value = value.blend(((FloatVector) code.convert(I2F, 0)).mul(0x1p-9f).reinterpretAsInts(), code.compare(LT, 8));
        value = value.blend(0x7FF00000, code.compare(EQ, 0x7F));
        value.or(bits.and(0x80000000)).reinterpretAsFloats().intoArray(x, off + i);
      }
    }
    for (; i < n; i++) {
      byte code = Fp8E4m3.fromFloat(x[off + i]);
      dst.set(ValueLayout.JAVA_BYTE, dstByteOffset + i, code);
      if (decode) x[off + i] = Fp8E4m3.toFloat(code);
    }
  }

  // C2 compiles vector code to SIMD only where every call on the way is inlined; a vector that crosses a call is
  // allocated. A helper taking or returning vectors is not reliably inlined (C2 may have compiled it on its own, or the
  // caller reached MaxInlineLevel or NodeCountInliningCutoff), so the kernels below spell their vector code out and
  // call only species accessors.

  /**
   * Where an int vector's low bytes go: as many lanes as {@link #ints()}, or 8 where that has fewer. Narrowing into it
   * with {@code part} 0 is intrinsified, where narrowing into a species with more lanes (part ≠ 0) allocates. Where
   * it has more lanes, a store writes zeros past the ints' bytes, which the next store overwrites; loops stop while a
   * whole store still fits.
   */
  abstract VectorSpecies<Byte> laneBytes();

  /** Shorts with as many lanes as {@link #ints()}: what widens into one int vector with {@code part} 0. */
  abstract VectorSpecies<Short> laneShorts();

  @Override
  public void bf16MinMax(MemorySegment src, long srcByteOffset, int n, float[] out2) {
    checkSegment(src, srcByteOffset, n, 2);
    Objects.checkFromIndexSize(0, 2, out2.length);
    VectorSpecies<Short> s = shorts();
    // Flipping the magnitude bits of negative values turns bf16 order into signed short order (-NaN < -Inf < -0 <
    // +0 < +Inf < +NaN): a NaN ends up below -Inf or above +Inf, where the ±Inf starting values are exceeded.
    ShortVector lo = ShortVector.broadcast(s, BF16_KEY_INF);
    ShortVector hi = ShortVector.broadcast(s, BF16_KEY_NEG_INF);
    int i = 0;
    for (int bound = s.loopBound(n); i < bound; i += s.length()) {
      ShortVector bits = ShortVector.fromMemorySegment(s, src, srcByteOffset + 2L * i, LE);
      ShortVector key = bits.lanewise(XOR, bits.lanewise(ASHR, 15).and((short) 0x7FFF));
      lo = lo.min(key);
      hi = hi.max(key);
    }
    int min = lo.reduceLanes(MIN);
    int max = hi.reduceLanes(MAX);
    for (; i < n; i++) {
      short bits = src.get(LE_SHORT, srcByteOffset + 2L * i);
      int key = bits ^ ((bits >> 15) & 0x7FFF);
      min = Math.min(min, key);
      max = Math.max(max, key);
    }
    boolean nan = min < BF16_KEY_NEG_INF || max > BF16_KEY_INF;
    out2[0] = nan ? Float.NaN : Bf16.toFloat((short) (min ^ ((min >> 15) & 0x7FFF)));
    out2[1] = nan ? Float.NaN : Bf16.toFloat((short) (max ^ ((max >> 15) & 0x7FFF)));
  }

  @Override
  public void minMaxGroups(float[] x, int off, int n, int groupSize, float[] mins, float[] maxs) {
    checkGroups(x, off, n, groupSize, mins, maxs);
    VectorSpecies<Float> f = floats();
    for (int g = 0, from = off; from < off + n; g++) {
      int end = from + Math.min(groupSize, off + n - from);
      FloatVector lo = FloatVector.broadcast(f, Float.POSITIVE_INFINITY);
      FloatVector hi = FloatVector.broadcast(f, Float.NEGATIVE_INFINITY);
      int i = from;
      for (int bound = from + f.loopBound(end - from); i < bound; i += f.length()) {
        FloatVector v = FloatVector.fromArray(f, x, i);
        lo = lo.lanewise(MIN, v);
        hi = hi.lanewise(MAX, v);
      }
      float min = lo.reduceLanes(MIN);
      float max = hi.reduceLanes(MAX);
      for (; i < end; i++) {
        min = Math.min(min, x[i]);
        max = Math.max(max, x[i]);
      }
      mins[g] = Float.isNaN(min) ? Float.NaN : min;
      maxs[g] = Float.isNaN(max) ? Float.NaN : max;
      from = end;
    }
  }

  @Override
  public void absMaxGroups(float[] x, int off, int n, int groupSize, float[] absMaxs) {
    checkGroups(x, off, n, groupSize, absMaxs, absMaxs);
    VectorSpecies<Float> f = floats();
    for (int g = 0, from = off; from < off + n; g++) {
      int end = from + Math.min(groupSize, off + n - from);
      // Magnitudes order as their bits, with NaN above Inf: an int max finds the largest, or a NaN.
      IntVector acc = IntVector.zero(ints());
      int i = from;
      for (int bound = from + f.loopBound(end - from); i < bound; i += f.length()) {
        acc = acc.max(FloatVector.fromArray(f, x, i).reinterpretAsInts().and(0x7FFFFFFF));
      }
      int max = acc.reduceLanes(MAX);
      for (; i < end; i++) max = Math.max(max, Float.floatToRawIntBits(x[i]) & 0x7FFFFFFF);
      absMaxs[g] = max > 0x7F800000 ? Float.NaN : Float.intBitsToFloat(max);
      from = end;
    }
  }

  @Override
  public void divideRound(float[] x, int off, int n, int groupSize, float[] scales, float[] zeroPoints, DType dtype,
      float[] y, int yOff) {
    VectorSpecies<Float> f = floats();
    // One flat loop with each vector inside one group (a short loop per group boxes its vectors); binary16 rounding
    // has no vector form here.
    if (dtype == DType.F16 || (groupSize % f.length() != 0 && groupSize < n)) {
      super.divideRound(x, off, n, groupSize, scales, zeroPoints, dtype, y, yOff);
      return;
    }
    checkGroups(x, off, n, groupSize, scales, zeroPoints);
    checkArray(y, yOff, n);
    checkRounding(dtype);
    int i = 0;
    int bound = f.loopBound(n);
    // Separate loops: a vector merged from two branches is boxed.
    if (dtype == DType.BF16 && zeros(zeroPoints, groupSize, n)) {
      for (; i < bound; i += f.length()) {
        int g = i / groupSize;
        // As below without the second rounding, a no-op after a ±0 zero point (see ScalarKernels): the canonical NaN
        // plus ±0 stays the canonical NaN on IEEE hardware (the NaN operand, or the default NaN, which it equals).
        FloatVector q = FloatVector.fromArray(f, x, off + i).div(scales[g]);
        IntVector bits = q.reinterpretAsInts();
        q = bits.add(bits.lanewise(LSHR, 16).and(1)).add(0x7FFF).and(0xFFFF0000).reinterpretAsFloats()
            .blend(Float.NaN, q.test(IS_NAN))
            .add(zeroPoints[g]);
        q.intoArray(y, yOff + i);
      }
    } else if (dtype == DType.BF16) {
      for (; i < bound; i += f.length()) {
        int g = i / groupSize;
        // Bf16.round after the division and after the zero point: round half even on the top 16 bits, NaN canonical.
        FloatVector q = FloatVector.fromArray(f, x, off + i).div(scales[g]);
        IntVector bits = q.reinterpretAsInts();
        q = bits.add(bits.lanewise(LSHR, 16).and(1)).add(0x7FFF).and(0xFFFF0000).reinterpretAsFloats()
            .blend(Float.NaN, q.test(IS_NAN))
            .add(zeroPoints[g]);
        bits = q.reinterpretAsInts();
        q = bits.add(bits.lanewise(LSHR, 16).and(1)).add(0x7FFF).and(0xFFFF0000).reinterpretAsFloats()
            .blend(Float.NaN, q.test(IS_NAN));
        q.intoArray(y, yOff + i);
      }
    } else {
      for (; i < bound; i += f.length()) {
        int g = i / groupSize;
        FloatVector.fromArray(f, x, off + i).div(scales[g]).add(zeroPoints[g]).intoArray(y, yOff + i);
      }
    }
    for (; i < n; i++) {
      int g = i / groupSize;
      y[yOff + i] = round(round(x[off + i] / scales[g], dtype) + zeroPoints[g], dtype);
    }
  }

  /** True when the zero points of the {@code n} elements' groups are all ±0. */
  private static boolean zeros(float[] zeroPoints, int groupSize, int n) {
    for (int g = 0; g < Math.ceilDiv(n, groupSize); g++) if (zeroPoints[g] != 0f) return false;
    return true;
  }

  @Override
  public void f32ToFp4E2m1Packed(float[] src, int off, int n, MemorySegment dst, long dstByteOffset) {
    checkArray(src, off, n);
    checkSegment(dst, dstByteOffset, (n + 1) / 2, 1);
    VectorSpecies<Float> f = floats();
    VectorSpecies<Byte> b = laneBytes();
    int i = 0;
    // Each vector gives lanes/2 bytes, stored 8 at a time: 16 elements must remain.
    for (; i <= n - 16; i += f.length()) {
      IntVector bits = FloatVector.fromArray(f, src, off + i).reinterpretAsInts();
      IntVector abs = bits.and(0x7FFFFFFF);
      // Fp4E2m1's thresholds are round-half-even onto the E2M1 grid: from 1 up, keep one mantissa bit as Bf16 keeps
      // seven (index 2 is 1.0, each binade adds 2, 7 is the top); below 1, adding 2^22 rounds to multiples of 0.5.
      IntVector normal = abs.add(abs.lanewise(LSHR, 22).and(1)).add(0x1FFFFF - (252 << 22)).lanewise(LSHR, 22).min(7);
      IntVector small = abs.reinterpretAsFloats().add(0x1p22f).reinterpretAsInts().sub(F32_2_POW_22);
      IntVector code = normal.blend(small, abs.compare(LT, F32_ONE))
          .or(bits.lanewise(LSHR, 28).and(8))
          .blend(0, abs.compare(EQ, 0).or(abs.compare(GT, 0x7F800000))); // ±0 and NaN: code 0
      // Narrowed to bytes and seen as shorts, each lane holds a pair: the even code low, the odd one from bit 8.
      ShortVector pairs = ((ByteVector) code.convertShape(I2B, b, 0)).reinterpretAsShorts();
      pairs = pairs.or(pairs.lanewise(LSHR, 4)).and((short) 0xFF);
      ((ByteVector) pairs.convertShape(S2B, ByteVector.SPECIES_64, 0))
          .intoMemorySegment(dst, dstByteOffset + i / 2, LE);
    }
    packFp4(src, off + i, n - i, dst, dstByteOffset + i / 2);
  }

  @Override
  public void f32ToInt8(float[] src, int off, int n, int bits, MemorySegment dst, long dstByteOffset) {
    checkArray(src, off, n);
    checkBits(bits);
    checkSegment(dst, dstByteOffset, n, 1);
    int i = intCodeBytes(src, off, n, bits, 0, dst, dstByteOffset);
    for (; i < n; i++) dst.set(ValueLayout.JAVA_BYTE, dstByteOffset + i, (byte) intCode(src[off + i], bits));
  }

  /**
   * Stores {@code intCode(v) + bias} as one byte per element for the longest prefix the vector loop covers; returns
   * its length.
   */
  private int intCodeBytes(float[] src, int off, int n, int bits, int bias, MemorySegment dst, long dstByteOffset) {
    VectorSpecies<Float> f = floats();
    VectorSpecies<Integer> in = ints();
    VectorSpecies<Byte> b = laneBytes();
    float lo = -(1 << (bits - 1));
    float hi = (1 << (bits - 1)) - 1;
    int i = 0;
    for (; i <= n - b.length(); i += f.length()) {
      // The clamp keeps |v| small enough for the round-to-integer addition; NaN gives 0.
      FloatVector clamped = FloatVector.fromArray(f, src, off + i).max(lo).min(hi);
      IntVector q = clamped.add(ROUND_TO_INT).reinterpretAsInts().sub(ROUND_TO_INT_BITS - bias)
          .blend(bias, clamped.test(IS_NAN).cast(in));
      ((ByteVector) q.convertShape(I2B, b, 0)).intoMemorySegment(dst, dstByteOffset + i, LE);
    }
    return i;
  }

  @Override
  public void f32ToPackedInt(float[] src, int off, int n, int bits, MemorySegment dst, long dstByteOffset) {
    checkArray(src, off, n);
    checkBits(bits);
    long end = dstByteOffset + packedIntBytes(n, bits);
    Objects.checkFromToIndex(dstByteOffset, end, dst.byteSize());
    int i = 0;
    if (bits == 8) {
      i = intCodeBytes(src, off, n, bits, 128, dst, dstByteOffset);
    } else if (bits == 4) {
      VectorSpecies<Float> f = floats();
      VectorSpecies<Integer> in = ints();
      VectorSpecies<Byte> b = laneBytes();
      for (; i <= n - 16; i += f.length()) {
        // intCodeBytes' codes plus 8, packed in pairs as in f32ToFp4E2m1Packed.
        FloatVector clamped = FloatVector.fromArray(f, src, off + i).max(-8f).min(7f);
        IntVector u = clamped.add(ROUND_TO_INT).reinterpretAsInts().sub(ROUND_TO_INT_BITS - 8)
            .blend(8, clamped.test(IS_NAN).cast(in));
        ShortVector pairs = ((ByteVector) u.convertShape(I2B, b, 0)).reinterpretAsShorts();
        pairs = pairs.or(pairs.lanewise(LSHR, 4)).and((short) 0xFF);
        ((ByteVector) pairs.convertShape(S2B, ByteVector.SPECIES_64, 0))
            .intoMemorySegment(dst, dstByteOffset + i / 2, LE);
      }
    }
    packInts(src, off + i, n - i, bits, dst, dstByteOffset + (long) i * bits / 8, end);
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

  @Override
  public float dotF16(MemorySegment w, long wByteOffset, float[] x, int xOff, int n) {
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
      acc0 = f16Widen((IntVector) raw.convertShape(S2I, in, 0)).fma(FloatVector.fromArray(f, x, xOff + i), acc0);
      acc1 = f16Widen((IntVector) raw.convertShape(S2I, in, 1))
          .fma(FloatVector.fromArray(f, x, xOff + i + half), acc1);
    }
    float sum = acc0.add(acc1).reduceLanes(ADD);
    for (; i < n; i++) sum = Math.fma(F16.toFloat(w.get(LE_SHORT, wByteOffset + 2L * i)), x[xOff + i], sum);
    return sum;
  }

  @Override
  public float dotF32(MemorySegment w, long wByteOffset, float[] x, int xOff, int n) {
    checkSegment(w, wByteOffset, n, 4);
    checkArray(x, xOff, n);
    VectorSpecies<Float> f = floats();
    int lanes = f.length();
    FloatVector acc0 = FloatVector.zero(f);
    FloatVector acc1 = FloatVector.zero(f);
    int i = 0;
    for (int bound = n - n % (2 * lanes); i < bound; i += 2 * lanes) {
      acc0 = FloatVector.fromMemorySegment(f, w, wByteOffset + 4L * i, LE)
          .fma(FloatVector.fromArray(f, x, xOff + i), acc0);
      acc1 = FloatVector.fromMemorySegment(f, w, wByteOffset + 4L * (i + lanes), LE)
          .fma(FloatVector.fromArray(f, x, xOff + i + lanes), acc1);
    }
    for (int bound = f.loopBound(n); i < bound; i += lanes) {
      acc0 = FloatVector.fromMemorySegment(f, w, wByteOffset + 4L * i, LE)
          .fma(FloatVector.fromArray(f, x, xOff + i), acc0);
    }
    float sum = acc0.add(acc1).reduceLanes(ADD);
    for (; i < n; i++) sum = Math.fma(w.get(LE_FLOAT, wByteOffset + 4L * i), x[xOff + i], sum);
    return sum;
  }

  @Override
  public void dotBf16Rows(MemorySegment w, long wByteOffset, float[] x, int xOff, int xStride, int rows, int n,
      float[] out, int outOff) {
    checkSegment(w, wByteOffset, n, 2);
    checkRows(x, xOff, xStride, rows, n, null, null, 0, 1, out, outOff);
    int end = floats().loopBound(n);
    int r = 0;
    for (; r + 4 <= rows; r += 4) bf16Block4(w, wByteOffset, x, xOff + r * xStride, xStride, end, out, outOff + r);
    for (; r < rows; r++) out[outOff + r] = bf16Row(w, wByteOffset, x, xOff + r * xStride, end);
    for (int i = end; i < n; i++) {
      float v = Bf16.toFloat(w.get(LE_SHORT, wByteOffset + 2L * i));
      for (r = 0; r < rows; r++) out[outOff + r] = Math.fma(v, x[xOff + r * xStride + i], out[outOff + r]);
    }
  }

  /**
   * The bf16 weights {@code [e, e + L)}: one half-width load widened by one conversion (part 0) and a shift, rather
   * than a full-width load split into parts, which C2 does not always compile to vector code.
   */
  private FloatVector bf16Weights(MemorySegment w, long wByteOffset, int e) {
    ShortVector raw = ShortVector.fromMemorySegment(halfShorts(), w, wByteOffset + 2L * e, LE);
    return ((IntVector) raw.convertShape(S2I, ints(), 0)).lanewise(LSHL, 16).reinterpretAsFloats();
  }

  private void bf16Block4(MemorySegment w, long wByteOffset, float[] x, int x0, int xStride, int end, float[] out,
      int o) {
    VectorSpecies<Float> f = floats();
    int x1 = x0 + xStride;
    int x2 = x1 + xStride;
    int x3 = x2 + xStride;
    FloatVector a0 = FloatVector.zero(f);
    FloatVector a1 = FloatVector.zero(f);
    FloatVector a2 = FloatVector.zero(f);
    FloatVector a3 = FloatVector.zero(f);
    for (int e = 0; e < end; e += f.length()) {
      FloatVector v = bf16Weights(w, wByteOffset, e);
      a0 = v.fma(FloatVector.fromArray(f, x, x0 + e), a0);
      a1 = v.fma(FloatVector.fromArray(f, x, x1 + e), a1);
      a2 = v.fma(FloatVector.fromArray(f, x, x2 + e), a2);
      a3 = v.fma(FloatVector.fromArray(f, x, x3 + e), a3);
    }
    out[o] = a0.reduceLanes(ADD);
    out[o + 1] = a1.reduceLanes(ADD);
    out[o + 2] = a2.reduceLanes(ADD);
    out[o + 3] = a3.reduceLanes(ADD);
  }

  private float bf16Row(MemorySegment w, long wByteOffset, float[] x, int x0, int end) {
    VectorSpecies<Float> f = floats();
    int lanes = f.length();
    FloatVector a0 = FloatVector.zero(f);
    FloatVector a1 = FloatVector.zero(f);
    int e = 0;
    for (; e + lanes < end; e += 2 * lanes) {
      a0 = bf16Weights(w, wByteOffset, e).fma(FloatVector.fromArray(f, x, x0 + e), a0);
      a1 = bf16Weights(w, wByteOffset, e + lanes).fma(FloatVector.fromArray(f, x, x0 + e + lanes), a1);
    }
    if (e < end) a0 = bf16Weights(w, wByteOffset, e).fma(FloatVector.fromArray(f, x, x0 + e), a0);
    return a0.add(a1).reduceLanes(ADD);
  }

  /**
   * How the lanes of one vector find their group's scale: broadcast one value (a group spans whole vectors, or one
   * group covers everything), gather with this index map (several whole groups per vector), or null when groups do
   * not line up with vectors at all and the scalar kernel runs instead.
   */
  private int[] groupLanes(int lanesPerGroup, int count) {
    int lanes = floats().length();
    if (lanesPerGroup % lanes == 0 || lanesPerGroup >= count) return BROADCAST;
    if (lanes % lanesPerGroup != 0) return null;
    int[] map = new int[lanes];
    for (int i = 0; i < lanes; i++) map[i] = i / lanesPerGroup;
    return map;
  }

  private static final int[] BROADCAST = new int[0];

  /** A group length of one group covering all {@code count} lanes, made a power of two so indexing is a shift. */
  private static int groupLength(int lanesPerGroup, int count) {
    return lanesPerGroup >= count ? 1 << 30 : lanesPerGroup;
  }

  /**
   * The per-lane values for lanes {@code [lane, lane + L)} of {@code values} indexed from {@code off} per group;
   * power-of-two groups (all of compressed-tensors') index with a shift, not a division.
   */
  private FloatVector perGroup(float[] values, int off, int lane, int lanesPerGroup, int[] map) {
    int g = (lanesPerGroup & (lanesPerGroup - 1)) == 0 ? lane >>> Integer.numberOfTrailingZeros(lanesPerGroup)
        : lane / lanesPerGroup;
    if (map == BROADCAST) return FloatVector.broadcast(floats(), values[off + g]);
    return FloatVector.fromArray(floats(), values, off + g, map, 0);
  }

  /** E4M3 codes (sign-extended bytes) to f32: the 7 payload bits placed as an f32 and rescaled by 2^120. */
  private static FloatVector e4m3Widen(IntVector code) {
    // Sign extension puts the sign in bit 31 after the shift; exponent and mantissa land in bits 20..26, so the f32
    // is the E4M3 value times 2^-120 (subnormal codes become f32 subnormals, exactly).
    IntVector bits = code.lanewise(LSHL, 20).and(0x87F00000);
    bits = bits.blend(0x7FC00000, code.and(0x7F).compare(EQ, 0x7F));
    return bits.reinterpretAsFloats().mul(0x1p120f);
  }

  /** The byte-code formats of the fused dot kernels. */
  private static final int FP8 = 0;
  private static final int INT8 = 1;
  private static final int UINT8 = 2;

  @Override
  public void dotFp8E4m3Rows(MemorySegment w, long wByteOffset, float[] x, int xOff, int xStride, int rows, int n,
      float[] scales, int scaleOff, int groupSize, float[] out, int outOff) {
    checkSegment(w, wByteOffset, n, 1);
    checkRows(x, xOff, xStride, rows, n, scales, null, scaleOff, groupSize, out, outOff);
    int[] map = groupLanes(groupSize, n);
    if (map == null) {
      super.dotFp8E4m3Rows(w, wByteOffset, x, xOff, xStride, rows, n, scales, scaleOff, groupSize, out, outOff);
      return;
    }
    byteRows(FP8, w, wByteOffset, x, xOff, xStride, rows, n, scales, null, scaleOff, groupLength(groupSize, n), map, out,
        outOff);
  }

  @Override
  public void dotInt8Rows(MemorySegment w, long wByteOffset, boolean unsigned, float[] x, int xOff, int xStride,
      int rows, int n, float[] scales, float[] zeros, int scaleOff, int groupSize, float[] out, int outOff) {
    checkSegment(w, wByteOffset, n, 1);
    checkRows(x, xOff, xStride, rows, n, scales, zeros, scaleOff, groupSize, out, outOff);
    int[] map = groupLanes(groupSize, n);
    if (map == null) {
      super.dotInt8Rows(w, wByteOffset, unsigned, x, xOff, xStride, rows, n, scales, zeros, scaleOff, groupSize, out,
          outOff);
      return;
    }
    byteRows(unsigned ? UINT8 : INT8, w, wByteOffset, x, xOff, xStride, rows, n, scales, zeros, scaleOff,
        groupLength(groupSize, n), map, out, outOff);
  }

  /**
   * The byte-code kernels: blocks of four rows, then single rows, then the scalar tail of every row. The loops are
   * separate methods so that each is compiled on its own, small enough for the vector operations to be inlined and
   * intrinsified.
   */
  private void byteRows(int kind, MemorySegment w, long wByteOffset, float[] x, int xOff, int xStride, int rows, int n,
      float[] scales, float[] zeros, int scaleOff, int groupSize, int[] map, float[] out, int outOff) {
    int end = codeBound(n);
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
      byteBlock4(kind, w, wByteOffset, x, xOff + r * xStride, xStride, end, scales, zeros, scaleOff, groupSize, map,
          out, outOff + r);
    }
    for (; r < rows; r++) {
      out[outOff + r] = byteRow(kind, w, wByteOffset, x, xOff + r * xStride, end, scales, zeros, scaleOff, groupSize,
          map);
    }
    for (int i = end; i < n; i++) {
      byte q = w.get(ValueLayout.JAVA_BYTE, wByteOffset + i);
      int g = scaleOff + i / groupSize;
      float v = kind == FP8 ? Fp8E4m3.toFloat(q) * scales[g] : ((kind == UINT8 ? q & 0xFF : q) - zeros[g]) * scales[g];
      for (r = 0; r < rows; r++) out[outOff + r] = Math.fma(v, x[xOff + r * xStride + i], out[outOff + r]);
    }
  }

  /** Codes {@code [e, e + L)} as scaled weights of the given byte format. */
  private FloatVector byteWeights(int kind, MemorySegment w, long wByteOffset, int e, float[] scales, float[] zeros,
      int scaleOff, int groupSize, int[] map) {
    IntVector code = codes(w, wByteOffset + e);
    FloatVector s = perGroup(scales, scaleOff, e, groupSize, map);
    if (kind == FP8) return e4m3Widen(code).mul(s);
    return intWiden(code, kind == UINT8 ? 0xFF : -1).sub(perGroup(zeros, scaleOff, e, groupSize, map)).mul(s);
  }

  private void byteBlock4(int kind, MemorySegment w, long wByteOffset, float[] x, int x0, int xStride, int end,
      float[] scales, float[] zeros, int scaleOff, int groupSize, int[] map, float[] out, int o) {
    VectorSpecies<Float> f = floats();
    int x1 = x0 + xStride;
    int x2 = x1 + xStride;
    int x3 = x2 + xStride;
    FloatVector a0 = FloatVector.zero(f);
    FloatVector a1 = FloatVector.zero(f);
    FloatVector a2 = FloatVector.zero(f);
    FloatVector a3 = FloatVector.zero(f);
    for (int e = 0; e < end; e += f.length()) {
      FloatVector v = byteWeights(kind, w, wByteOffset, e, scales, zeros, scaleOff, groupSize, map);
      a0 = v.fma(FloatVector.fromArray(f, x, x0 + e), a0);
      a1 = v.fma(FloatVector.fromArray(f, x, x1 + e), a1);
      a2 = v.fma(FloatVector.fromArray(f, x, x2 + e), a2);
      a3 = v.fma(FloatVector.fromArray(f, x, x3 + e), a3);
    }
    out[o] = a0.reduceLanes(ADD);
    out[o + 1] = a1.reduceLanes(ADD);
    out[o + 2] = a2.reduceLanes(ADD);
    out[o + 3] = a3.reduceLanes(ADD);
  }

  private float byteRow(int kind, MemorySegment w, long wByteOffset, float[] x, int x0, int end, float[] scales,
      float[] zeros, int scaleOff, int groupSize, int[] map) {
    VectorSpecies<Float> f = floats();
    int lanes = f.length();
    FloatVector a0 = FloatVector.zero(f);
    FloatVector a1 = FloatVector.zero(f);
    int e = 0;
    for (; e + lanes < end; e += 2 * lanes) {
      a0 = byteWeights(kind, w, wByteOffset, e, scales, zeros, scaleOff, groupSize, map)
          .fma(FloatVector.fromArray(f, x, x0 + e), a0);
      a1 = byteWeights(kind, w, wByteOffset, e + lanes, scales, zeros, scaleOff, groupSize, map)
          .fma(FloatVector.fromArray(f, x, x0 + e + lanes), a1);
    }
    if (e < end) {
      a0 = byteWeights(kind, w, wByteOffset, e, scales, zeros, scaleOff, groupSize, map)
          .fma(FloatVector.fromArray(f, x, x0 + e), a0);
    }
    return a0.add(a1).reduceLanes(ADD);
  }

  private static FloatVector intWiden(IntVector code, int mask) {
    return (FloatVector) code.and(mask).convert(I2F, 0);
  }

  /** FP4 E2M1 codes (0..15) to f32: index i ≥ 2 is 2^(i/2 - 1)·(1 + (i%2)/2), placed as exponent and mantissa bits. */
  private static FloatVector e2m1Widen(IntVector code) {
    IntVector index = code.and(7);
    IntVector bits = index.lanewise(LSHL, 22).add(126 << 23);
    bits = bits.blend(0x3F000000, index.compare(EQ, 1)).blend(0, index.compare(EQ, 0));
    return bits.or(code.and(8).lanewise(LSHL, 28)).reinterpretAsFloats();
  }

  @Override
  public void dotUint4Rows(MemorySegment w, long wByteOffset, float[] xEven, float[] xOdd, int xOff, int xStride,
      int rows, int pairs, float[] scales, float[] zeros, int scaleOff, int groupSize, float[] out, int outOff) {
    checkPairs(w, wByteOffset, xEven, xOdd, xOff, xStride, rows, pairs, scales, zeros, scaleOff, groupSize, out,
        outOff);
    int[] map = groupLanes(groupSize / 2, pairs);
    if (map == null) {
      super.dotUint4Rows(w, wByteOffset, xEven, xOdd, xOff, xStride, rows, pairs, scales, zeros, scaleOff, groupSize,
          out, outOff);
      return;
    }
    nibbleRows(false, w, wByteOffset, xEven, xOdd, xOff, xStride, rows, pairs, scales, zeros, scaleOff,
        groupLength(groupSize / 2, pairs), map, out, outOff);
  }

  @Override
  public void dotFp4E2m1Rows(MemorySegment w, long wByteOffset, float[] xEven, float[] xOdd, int xOff, int xStride,
      int rows, int pairs, float[] scales, int scaleOff, int groupSize, float[] out, int outOff) {
    checkPairs(w, wByteOffset, xEven, xOdd, xOff, xStride, rows, pairs, scales, null, scaleOff, groupSize, out,
        outOff);
    int[] map = groupLanes(groupSize / 2, pairs);
    if (map == null) {
      super.dotFp4E2m1Rows(w, wByteOffset, xEven, xOdd, xOff, xStride, rows, pairs, scales, scaleOff, groupSize, out,
          outOff);
      return;
    }
    nibbleRows(true, w, wByteOffset, xEven, xOdd, xOff, xStride, rows, pairs, scales, null, scaleOff,
        groupLength(groupSize / 2, pairs), map, out, outOff);
  }

  /** The two-codes-per-byte kernels, organised as {@link #byteRows}: FP4 values, or 4-bit integers less their zero. */
  private void nibbleRows(boolean fp4, MemorySegment w, long wByteOffset, float[] xEven, float[] xOdd, int xOff,
      int xStride, int rows, int pairs, float[] scales, float[] zeros, int scaleOff, int pairsPerGroup, int[] map,
      float[] out, int outOff) {
    int end = codeBound(pairs);
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
      nibbleBlock4(fp4, w, wByteOffset, xEven, xOdd, xOff + r * xStride, xStride, end, scales, zeros, scaleOff,
          pairsPerGroup, map, out, outOff + r);
    }
    for (; r < rows; r++) {
      out[outOff + r] = nibbleRow(fp4, w, wByteOffset, xEven, xOdd, xOff + r * xStride, end, scales, zeros, scaleOff,
          pairsPerGroup, map);
    }
    for (int k = end; k < pairs; k++) {
      byte code = w.get(ValueLayout.JAVA_BYTE, wByteOffset + k);
      int g = scaleOff + k / pairsPerGroup;
      float lo = fp4 ? Fp4E2m1.toFloat(Fp4E2m1.evenCode(code)) * scales[g] : ((code & 0xF) - zeros[g]) * scales[g];
      float hi = fp4 ? Fp4E2m1.toFloat(Fp4E2m1.oddCode(code)) * scales[g]
          : (((code >>> 4) & 0xF) - zeros[g]) * scales[g];
      for (r = 0; r < rows; r++) {
        int at = xOff + r * xStride + k;
        out[outOff + r] = Math.fma(hi, xOdd[at], Math.fma(lo, xEven[at], out[outOff + r]));
      }
    }
  }

  /** The low ({@code high == false}) or high nibbles of {@code codes} as scaled weights. */
  private static FloatVector nibbleWeights(boolean fp4, IntVector codes, boolean high, FloatVector s, FloatVector z) {
    IntVector nibbles = high ? codes.lanewise(LSHR, 4) : codes;
    return fp4 ? e2m1Widen(nibbles).mul(s) : intWiden(nibbles, 0xF).sub(z).mul(s);
  }

  private void nibbleBlock4(boolean fp4, MemorySegment w, long wByteOffset, float[] xEven, float[] xOdd, int x0,
      int xStride, int end, float[] scales, float[] zeros, int scaleOff, int pairsPerGroup, int[] map, float[] out,
      int o) {
    VectorSpecies<Float> f = floats();
    int x1 = x0 + xStride;
    int x2 = x1 + xStride;
    int x3 = x2 + xStride;
    FloatVector a0 = FloatVector.zero(f);
    FloatVector a1 = FloatVector.zero(f);
    FloatVector a2 = FloatVector.zero(f);
    FloatVector a3 = FloatVector.zero(f);
    for (int k = 0; k < end; k += f.length()) {
      IntVector codes = codes(w, wByteOffset + k);
      FloatVector s = perGroup(scales, scaleOff, k, pairsPerGroup, map);
      FloatVector z = fp4 ? s : perGroup(zeros, scaleOff, k, pairsPerGroup, map);
      FloatVector lo = nibbleWeights(fp4, codes, false, s, z);
      FloatVector hi = nibbleWeights(fp4, codes, true, s, z);
      a0 = hi.fma(FloatVector.fromArray(f, xOdd, x0 + k), lo.fma(FloatVector.fromArray(f, xEven, x0 + k), a0));
      a1 = hi.fma(FloatVector.fromArray(f, xOdd, x1 + k), lo.fma(FloatVector.fromArray(f, xEven, x1 + k), a1));
      a2 = hi.fma(FloatVector.fromArray(f, xOdd, x2 + k), lo.fma(FloatVector.fromArray(f, xEven, x2 + k), a2));
      a3 = hi.fma(FloatVector.fromArray(f, xOdd, x3 + k), lo.fma(FloatVector.fromArray(f, xEven, x3 + k), a3));
    }
    out[o] = a0.reduceLanes(ADD);
    out[o + 1] = a1.reduceLanes(ADD);
    out[o + 2] = a2.reduceLanes(ADD);
    out[o + 3] = a3.reduceLanes(ADD);
  }

  private float nibbleRow(boolean fp4, MemorySegment w, long wByteOffset, float[] xEven, float[] xOdd, int x0,
      int end, float[] scales, float[] zeros, int scaleOff, int pairsPerGroup, int[] map) {
    VectorSpecies<Float> f = floats();
    FloatVector a0 = FloatVector.zero(f);
    FloatVector a1 = FloatVector.zero(f);
    for (int k = 0; k < end; k += f.length()) {
      IntVector codes = codes(w, wByteOffset + k);
      FloatVector s = perGroup(scales, scaleOff, k, pairsPerGroup, map);
      FloatVector z = fp4 ? s : perGroup(zeros, scaleOff, k, pairsPerGroup, map);
      a0 = nibbleWeights(fp4, codes, false, s, z).fma(FloatVector.fromArray(f, xEven, x0 + k), a0);
      a1 = nibbleWeights(fp4, codes, true, s, z).fma(FloatVector.fromArray(f, xOdd, x0 + k), a1);
    }
    return a0.add(a1).reduceLanes(ADD);
  }

  @Override
  public void dotF32Block(float[] a, int aOff, int aStride, int aRows, float[] b, int bOff, int bStride, int bRows,
      int n, float[] out, int outOff, int outStride) {
    checkBlock(a, aOff, aStride, aRows, b, bOff, bStride, bRows, n, out, outOff, outStride);
    int r = 0;
    for (; r + 4 <= aRows; r += 4) {
      int s = 0;
      for (; s + 4 <= bRows; s += 4) {
        block4x4(a, aOff + r * aStride, aStride, b, bOff + s * bStride, bStride, n, out, outOff + r * outStride + s,
            outStride);
      }
      for (; s < bRows; s++) {
        for (int k = 0; k < 4; k++) {
          out[outOff + (r + k) * outStride + s] = dot(a, aOff + (r + k) * aStride, b, bOff + s * bStride, n);
        }
      }
    }
    for (; r < aRows; r++) {
      for (int s = 0; s < bRows; s++) out[outOff + r * outStride + s] = dot(a, aOff + r * aStride, b, bOff + s * bStride, n);
    }
  }

  /** Four rows of {@code a} against four rows of {@code b}: sixteen sums in registers, four FMAs per loaded vector. */
  private void block4x4(float[] a, int a0, int aStride, float[] b, int b0, int bStride, int n, float[] out, int o0,
      int outStride) {
    VectorSpecies<Float> f = floats();
    int a1 = a0 + aStride;
    int a2 = a1 + aStride;
    int a3 = a2 + aStride;
    int b1 = b0 + bStride;
    int b2 = b1 + bStride;
    int b3 = b2 + bStride;
    FloatVector c00 = FloatVector.zero(f);
    FloatVector c01 = FloatVector.zero(f);
    FloatVector c02 = FloatVector.zero(f);
    FloatVector c03 = FloatVector.zero(f);
    FloatVector c10 = FloatVector.zero(f);
    FloatVector c11 = FloatVector.zero(f);
    FloatVector c12 = FloatVector.zero(f);
    FloatVector c13 = FloatVector.zero(f);
    FloatVector c20 = FloatVector.zero(f);
    FloatVector c21 = FloatVector.zero(f);
    FloatVector c22 = FloatVector.zero(f);
    FloatVector c23 = FloatVector.zero(f);
    FloatVector c30 = FloatVector.zero(f);
    FloatVector c31 = FloatVector.zero(f);
    FloatVector c32 = FloatVector.zero(f);
    FloatVector c33 = FloatVector.zero(f);
    int bound = f.loopBound(n);
    for (int i = 0; i < bound; i += f.length()) {
      FloatVector x0 = FloatVector.fromArray(f, a, a0 + i);
      FloatVector x1 = FloatVector.fromArray(f, a, a1 + i);
      FloatVector x2 = FloatVector.fromArray(f, a, a2 + i);
      FloatVector x3 = FloatVector.fromArray(f, a, a3 + i);
      FloatVector y = FloatVector.fromArray(f, b, b0 + i);
      c00 = x0.fma(y, c00);
      c10 = x1.fma(y, c10);
      c20 = x2.fma(y, c20);
      c30 = x3.fma(y, c30);
      y = FloatVector.fromArray(f, b, b1 + i);
      c01 = x0.fma(y, c01);
      c11 = x1.fma(y, c11);
      c21 = x2.fma(y, c21);
      c31 = x3.fma(y, c31);
      y = FloatVector.fromArray(f, b, b2 + i);
      c02 = x0.fma(y, c02);
      c12 = x1.fma(y, c12);
      c22 = x2.fma(y, c22);
      c32 = x3.fma(y, c32);
      y = FloatVector.fromArray(f, b, b3 + i);
      c03 = x0.fma(y, c03);
      c13 = x1.fma(y, c13);
      c23 = x2.fma(y, c23);
      c33 = x3.fma(y, c33);
    }
    int o1 = o0 + outStride;
    int o2 = o1 + outStride;
    int o3 = o2 + outStride;
    out[o0] = tail(c00.reduceLanes(ADD), a, a0, b, b0, bound, n);
    out[o0 + 1] = tail(c01.reduceLanes(ADD), a, a0, b, b1, bound, n);
    out[o0 + 2] = tail(c02.reduceLanes(ADD), a, a0, b, b2, bound, n);
    out[o0 + 3] = tail(c03.reduceLanes(ADD), a, a0, b, b3, bound, n);
    out[o1] = tail(c10.reduceLanes(ADD), a, a1, b, b0, bound, n);
    out[o1 + 1] = tail(c11.reduceLanes(ADD), a, a1, b, b1, bound, n);
    out[o1 + 2] = tail(c12.reduceLanes(ADD), a, a1, b, b2, bound, n);
    out[o1 + 3] = tail(c13.reduceLanes(ADD), a, a1, b, b3, bound, n);
    out[o2] = tail(c20.reduceLanes(ADD), a, a2, b, b0, bound, n);
    out[o2 + 1] = tail(c21.reduceLanes(ADD), a, a2, b, b1, bound, n);
    out[o2 + 2] = tail(c22.reduceLanes(ADD), a, a2, b, b2, bound, n);
    out[o2 + 3] = tail(c23.reduceLanes(ADD), a, a2, b, b3, bound, n);
    out[o3] = tail(c30.reduceLanes(ADD), a, a3, b, b0, bound, n);
    out[o3 + 1] = tail(c31.reduceLanes(ADD), a, a3, b, b1, bound, n);
    out[o3 + 2] = tail(c32.reduceLanes(ADD), a, a3, b, b2, bound, n);
    out[o3 + 3] = tail(c33.reduceLanes(ADD), a, a3, b, b3, bound, n);
  }

  /** {@code sum} plus the products past the last whole vector. */
  private static float tail(float sum, float[] a, int aOff, float[] b, int bOff, int from, int n) {
    for (int i = from; i < n; i++) sum = Math.fma(a[aOff + i], b[bOff + i], sum);
    return sum;
  }

  @Override
  public void dequantizeFp8E4m3(MemorySegment w, long wByteOffset, float[] scales, int scaleOff, int groupSize,
      float[] dst, int dstOff, int n) {
    checkSegment(w, wByteOffset, n, 1);
    checkRows(dst, dstOff, 0, 1, n, scales, null, scaleOff, groupSize, dst, dstOff);
    int[] map = groupLanes(groupSize, n);
    if (map == null) {
      super.dequantizeFp8E4m3(w, wByteOffset, scales, scaleOff, groupSize, dst, dstOff, n);
      return;
    }
    dequantizeBytes(FP8, w, wByteOffset, scales, null, scaleOff, groupLength(groupSize, n), map, dst, dstOff, n);
  }

  @Override
  public void dequantizeInt8(MemorySegment w, long wByteOffset, boolean unsigned, float[] scales, float[] zeros,
      int scaleOff, int groupSize, float[] dst, int dstOff, int n) {
    checkSegment(w, wByteOffset, n, 1);
    checkRows(dst, dstOff, 0, 1, n, scales, zeros, scaleOff, groupSize, dst, dstOff);
    int[] map = groupLanes(groupSize, n);
    if (map == null) {
      super.dequantizeInt8(w, wByteOffset, unsigned, scales, zeros, scaleOff, groupSize, dst, dstOff, n);
      return;
    }
    dequantizeBytes(unsigned ? UINT8 : INT8, w, wByteOffset, scales, zeros, scaleOff, groupLength(groupSize, n), map,
        dst, dstOff, n);
  }

  private void dequantizeBytes(int kind, MemorySegment w, long wByteOffset, float[] scales, float[] zeros,
      int scaleOff, int groupSize, int[] map, float[] dst, int dstOff, int n) {
    int end = codeBound(n);
    for (int e = 0; e < end; e += floats().length()) {
      byteWeights(kind, w, wByteOffset, e, scales, zeros, scaleOff, groupSize, map).intoArray(dst, dstOff + e);
    }
    for (int i = end; i < n; i++) {
      byte q = w.get(ValueLayout.JAVA_BYTE, wByteOffset + i);
      int g = scaleOff + i / groupSize;
      dst[dstOff + i] = kind == FP8 ? Fp8E4m3.toFloat(q) * scales[g]
          : ((kind == UINT8 ? q & 0xFF : q) - zeros[g]) * scales[g];
    }
  }

  @Override
  public void dequantizeUint4(MemorySegment w, long wByteOffset, float[] scales, float[] zeros, int scaleOff,
      int groupSize, float[] even, int evenOff, float[] odd, int oddOff, int pairs) {
    dequantizeNibbles(false, w, wByteOffset, scales, zeros, scaleOff, groupSize, even, evenOff, odd, oddOff, pairs);
  }

  @Override
  public void dequantizeFp4E2m1(MemorySegment w, long wByteOffset, float[] scales, int scaleOff, int groupSize,
      float[] even, int evenOff, float[] odd, int oddOff, int pairs) {
    dequantizeNibbles(true, w, wByteOffset, scales, null, scaleOff, groupSize, even, evenOff, odd, oddOff, pairs);
  }

  private void dequantizeNibbles(boolean fp4, MemorySegment w, long wByteOffset, float[] scales, float[] zeros,
      int scaleOff, int groupSize, float[] even, int evenOff, float[] odd, int oddOff, int pairs) {
    checkSplit(w, wByteOffset, scales, zeros, scaleOff, groupSize, even, evenOff, odd, oddOff, pairs);
    int[] map = groupLanes(groupSize / 2, pairs);
    int pairsPerGroup = groupLength(groupSize / 2, pairs);
    if (map == null) {
      if (fp4) super.dequantizeFp4E2m1(w, wByteOffset, scales, scaleOff, groupSize, even, evenOff, odd, oddOff, pairs);
      else super.dequantizeUint4(w, wByteOffset, scales, zeros, scaleOff, groupSize, even, evenOff, odd, oddOff, pairs);
      return;
    }
    int end = codeBound(pairs);
    for (int k = 0; k < end; k += floats().length()) {
      IntVector codes = codes(w, wByteOffset + k);
      FloatVector s = perGroup(scales, scaleOff, k, pairsPerGroup, map);
      FloatVector z = fp4 ? s : perGroup(zeros, scaleOff, k, pairsPerGroup, map);
      nibbleWeights(fp4, codes, false, s, z).intoArray(even, evenOff + k);
      nibbleWeights(fp4, codes, true, s, z).intoArray(odd, oddOff + k);
    }
    for (int k = end; k < pairs; k++) {
      byte code = w.get(ValueLayout.JAVA_BYTE, wByteOffset + k);
      int g = scaleOff + k / pairsPerGroup;
      even[evenOff + k] = fp4 ? Fp4E2m1.toFloat(Fp4E2m1.evenCode(code)) * scales[g]
          : ((code & 0xF) - zeros[g]) * scales[g];
      odd[oddOff + k] = fp4 ? Fp4E2m1.toFloat(Fp4E2m1.oddCode(code)) * scales[g]
          : (((code >>> 4) & 0xF) - zeros[g]) * scales[g];
    }
  }


  @Override
  public void matmulF32(float[] a, int aOff, int aStride, int aRows, float[] b, int bOff, int bStride, int k, int n,
      float[] out, int outOff, int outStride) {
    checkProduct(a, aOff, aStride, aRows, b, bOff, bStride, k, n, out, outOff, outStride);
    VectorSpecies<Float> f = floats();
    int lanes = f.length();
    int wide = n - n % (4 * lanes);
    int bound = f.loopBound(n);
    int r = 0;
    for (; r + 4 <= aRows; r += 4) {
      int a0 = aOff + r * aStride;
      int o0 = outOff + r * outStride;
      for (int j = 0; j < wide; j += 4 * lanes) {
        product4x4(a, a0, aStride, b, bOff + j, bStride, k, out, o0 + j, outStride);
      }
      for (int j = wide; j < bound; j += lanes) {
        FloatVector c0 = FloatVector.zero(f);
        FloatVector c1 = FloatVector.zero(f);
        FloatVector c2 = FloatVector.zero(f);
        FloatVector c3 = FloatVector.zero(f);
        for (int p = 0; p < k; p++) {
          FloatVector y = FloatVector.fromArray(f, b, bOff + p * bStride + j);
          c0 = y.fma(FloatVector.broadcast(f, a[a0 + p]), c0);
          c1 = y.fma(FloatVector.broadcast(f, a[a0 + aStride + p]), c1);
          c2 = y.fma(FloatVector.broadcast(f, a[a0 + 2 * aStride + p]), c2);
          c3 = y.fma(FloatVector.broadcast(f, a[a0 + 3 * aStride + p]), c3);
        }
        c0.intoArray(out, o0 + j);
        c1.intoArray(out, o0 + outStride + j);
        c2.intoArray(out, o0 + 2 * outStride + j);
        c3.intoArray(out, o0 + 3 * outStride + j);
      }
      for (int row = 0; row < 4; row++) {
        productTail(a, a0 + row * aStride, b, bOff, bStride, k, bound, n, out, o0 + row * outStride);
      }
    }
    for (; r < aRows; r++) {
      int a0 = aOff + r * aStride;
      int o0 = outOff + r * outStride;
      for (int j = 0; j < bound; j += lanes) {
        FloatVector c = FloatVector.zero(f);
        for (int p = 0; p < k; p++) {
          c = FloatVector.fromArray(f, b, bOff + p * bStride + j).fma(FloatVector.broadcast(f, a[a0 + p]), c);
        }
        c.intoArray(out, o0 + j);
      }
      productTail(a, a0, b, bOff, bStride, k, bound, n, out, o0);
    }
  }

  /** Four rows of {@code a} times four vectors' width of {@code b}'s columns: sixteen vectors of sums. */
  private void product4x4(float[] a, int a0, int aStride, float[] b, int b0, int bStride, int k, float[] out, int o0,
      int outStride) {
    VectorSpecies<Float> f = floats();
    int l = f.length();
    FloatVector c00 = FloatVector.zero(f);
    FloatVector c01 = FloatVector.zero(f);
    FloatVector c02 = FloatVector.zero(f);
    FloatVector c03 = FloatVector.zero(f);
    FloatVector c10 = FloatVector.zero(f);
    FloatVector c11 = FloatVector.zero(f);
    FloatVector c12 = FloatVector.zero(f);
    FloatVector c13 = FloatVector.zero(f);
    FloatVector c20 = FloatVector.zero(f);
    FloatVector c21 = FloatVector.zero(f);
    FloatVector c22 = FloatVector.zero(f);
    FloatVector c23 = FloatVector.zero(f);
    FloatVector c30 = FloatVector.zero(f);
    FloatVector c31 = FloatVector.zero(f);
    FloatVector c32 = FloatVector.zero(f);
    FloatVector c33 = FloatVector.zero(f);
    int a1 = a0 + aStride;
    int a2 = a1 + aStride;
    int a3 = a2 + aStride;
    for (int p = 0; p < k; p++) {
      int row = b0 + p * bStride;
      FloatVector y0 = FloatVector.fromArray(f, b, row);
      FloatVector y1 = FloatVector.fromArray(f, b, row + l);
      FloatVector y2 = FloatVector.fromArray(f, b, row + 2 * l);
      FloatVector y3 = FloatVector.fromArray(f, b, row + 3 * l);
      FloatVector x = FloatVector.broadcast(f, a[a0 + p]);
      c00 = y0.fma(x, c00);
      c01 = y1.fma(x, c01);
      c02 = y2.fma(x, c02);
      c03 = y3.fma(x, c03);
      x = FloatVector.broadcast(f, a[a1 + p]);
      c10 = y0.fma(x, c10);
      c11 = y1.fma(x, c11);
      c12 = y2.fma(x, c12);
      c13 = y3.fma(x, c13);
      x = FloatVector.broadcast(f, a[a2 + p]);
      c20 = y0.fma(x, c20);
      c21 = y1.fma(x, c21);
      c22 = y2.fma(x, c22);
      c23 = y3.fma(x, c23);
      x = FloatVector.broadcast(f, a[a3 + p]);
      c30 = y0.fma(x, c30);
      c31 = y1.fma(x, c31);
      c32 = y2.fma(x, c32);
      c33 = y3.fma(x, c33);
    }
    int o1 = o0 + outStride;
    int o2 = o1 + outStride;
    int o3 = o2 + outStride;
    c00.intoArray(out, o0);
    c01.intoArray(out, o0 + l);
    c02.intoArray(out, o0 + 2 * l);
    c03.intoArray(out, o0 + 3 * l);
    c10.intoArray(out, o1);
    c11.intoArray(out, o1 + l);
    c12.intoArray(out, o1 + 2 * l);
    c13.intoArray(out, o1 + 3 * l);
    c20.intoArray(out, o2);
    c21.intoArray(out, o2 + l);
    c22.intoArray(out, o2 + 2 * l);
    c23.intoArray(out, o2 + 3 * l);
    c30.intoArray(out, o3);
    c31.intoArray(out, o3 + l);
    c32.intoArray(out, o3 + 2 * l);
    c33.intoArray(out, o3 + 3 * l);
  }

  /** Columns {@code [from, n)} of one output row, scalar. */
  private static void productTail(float[] a, int a0, float[] b, int bOff, int bStride, int k, int from, int n,
      float[] out, int o0) {
    for (int j = from; j < n; j++) {
      float sum = 0f;
      for (int p = 0; p < k; p++) sum = Math.fma(a[a0 + p], b[bOff + p * bStride + j], sum);
      out[o0 + j] = sum;
    }
  }

  @Override
  public void fakeQuantizeInt8(float[] x, int off, int n, float inverse, float scale, float[] out, int outOff) {
    checkArray(x, off, n);
    checkArray(out, outOff, n);
    VectorSpecies<Float> f = floats();
    float magic = 0x1.8p23f; // adding and subtracting it rounds |y| <= 2^22 to an integer, ties to even
    int i = 0;
    for (int bound = f.loopBound(n); i < bound; i += f.length()) {
      FloatVector y = FloatVector.fromArray(f, x, off + i).mul(inverse).lanewise(MAX, -128f).lanewise(MIN, 127f);
      IntVector rounded = y.add(magic).sub(magic).reinterpretAsInts();
      // rint keeps the sign of a negative value that rounds to zero
      rounded = rounded.or(y.reinterpretAsInts().and(0x80000000));
      rounded.reinterpretAsFloats().mul(scale).intoArray(out, outOff + i);
    }
    for (; i < n; i++) {
      out[outOff + i] = (float) Math.rint(Math.max(-128f, Math.min(127f, x[off + i] * inverse))) * scale;
    }
  }

  static final class Bits128 extends PanamaKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_128;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final VectorSpecies<Byte> C = ByteVector.SPECIES_64;
    private static final VectorSpecies<Short> H = ShortVector.SPECIES_64;

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

    @Override
    VectorSpecies<Byte> laneBytes() {
      return ByteVector.SPECIES_64;
    }

    @Override
    VectorSpecies<Short> laneShorts() {
      return ShortVector.SPECIES_64;
    }

    @Override
    VectorSpecies<Byte> codeBytes() {
      return C;
    }

    @Override
    VectorSpecies<Short> halfShorts() {
      return H;
    }
  }

  static final class Bits256 extends PanamaKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;
    private static final VectorSpecies<Byte> C = ByteVector.SPECIES_64;
    private static final VectorSpecies<Short> H = ShortVector.SPECIES_128;

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

    @Override
    VectorSpecies<Byte> laneBytes() {
      return ByteVector.SPECIES_64;
    }

    @Override
    VectorSpecies<Short> laneShorts() {
      return ShortVector.SPECIES_128;
    }

    @Override
    VectorSpecies<Byte> codeBytes() {
      return C;
    }

    @Override
    VectorSpecies<Short> halfShorts() {
      return H;
    }
  }

  static final class Bits512 extends PanamaKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Byte> C = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> H = ShortVector.SPECIES_256;

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

    @Override
    VectorSpecies<Byte> laneBytes() {
      return ByteVector.SPECIES_128;
    }

    @Override
    VectorSpecies<Short> laneShorts() {
      return ShortVector.SPECIES_256;
    }

    @Override
    VectorSpecies<Byte> codeBytes() {
      return C;
    }

    @Override
    VectorSpecies<Short> halfShorts() {
      return H;
    }
  }
}
