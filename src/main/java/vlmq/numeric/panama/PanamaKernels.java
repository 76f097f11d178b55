package vlmq.numeric.panama;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.ASHR;
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

    @Override
    VectorSpecies<Byte> laneBytes() {
      return ByteVector.SPECIES_64;
    }

    @Override
    VectorSpecies<Short> laneShorts() {
      return ShortVector.SPECIES_64;
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

    @Override
    VectorSpecies<Byte> laneBytes() {
      return ByteVector.SPECIES_64;
    }

    @Override
    VectorSpecies<Short> laneShorts() {
      return ShortVector.SPECIES_128;
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

    @Override
    VectorSpecies<Byte> laneBytes() {
      return ByteVector.SPECIES_128;
    }

    @Override
    VectorSpecies<Short> laneShorts() {
      return ShortVector.SPECIES_256;
    }

  }
}
