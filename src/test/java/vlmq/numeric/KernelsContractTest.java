package vlmq.numeric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import vlmq.format.compressedtensors.IntPacking;

/**
 * Every {@link Kernels} implementation against the scalar codecs, element by element: exact bits for everything that
 * produces bytes or rounded values, {@code 1e-5 * n * sum|a_i b_i|} for float reductions. Inputs sit at odd offsets
 * (unaligned segments) with sentinels around the output to catch writes outside {@code [off, off + n)}. Panama cases
 * are skipped where the Vector API or the width is unavailable (the scalar pass).
 */
class KernelsContractTest {
  private static final int[] SIZES = {0, 1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 1000, 4096, 4097};
  private static final String[] IMPLS = {"scalar", "panama-128", "panama-256", "panama-512"};
  private static final int ARRAY_OFF = 3;
  private static final long SEGMENT_OFF = 5;
  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final float SENTINEL = Float.intBitsToFloat(0x5A5A5A5A);
  private static final byte SENTINEL_BYTE = (byte) 0xA5;

  /** Values at the edges of the conversions: zeros, saturation, ties, NaN payloads, infinities, subnormals. */
  private static final float[] BOUNDARY = {
      0f, -0f, 448f, -448f, 464f, -464f, 480f, -480f, Math.nextUp(448f), 479.99f, 57344f, 61440f, 65520f,
      Float.NaN, Float.intBitsToFloat(0x7FA12345), Float.intBitsToFloat(0xFF800001), Float.intBitsToFloat(0x7FFFFFFF),
      Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE,
      -Float.MIN_NORMAL, 0x1p-10f, -0x1p-10f, 0x1.8p-9f, 0x1p-6f, Float.intBitsToFloat(0x3F808000),
      Float.intBitsToFloat(0x3F818000), Float.intBitsToFloat(0xBF808000), Float.intBitsToFloat(0x7F7F8000),
      0.5f, -2.5f, 0.25f, 5f, 6f, 1.5f * 0x1p-7f,
      // FP4 thresholds and their neighbours; integer rounding ties and clamp edges.
      -0.25f, 0.75f, -0.75f, 1.25f, 1.75f, -1.75f, 3.5f, -3.5f, -5f, Math.nextUp(0.25f), Math.nextDown(0.75f),
      Math.nextUp(1.25f), Math.nextDown(1.75f), Math.nextUp(2.5f), Math.nextDown(3.5f), Math.nextUp(5f),
      Math.nextDown(5f), -0x1p-20f, 7.5f, -8.5f, 8.5f, 127.5f, -128.5f, 126.5f, -0.5f, 1.5f, 128f, -129f, 0.4999f
  };

  enum Fill { RANDOM, RANDOM_BITS, BOUNDARY }

  static Stream<Arguments> cases() {
    return Stream.of(IMPLS).flatMap(impl -> IntStream.of(SIZES).mapToObj(n -> Arguments.of(impl, n)));
  }

  private static Kernels kernels(String impl) {
    if (impl.equals("scalar")) return Kernels.scalar();
    int bits = Integer.parseInt(impl.substring("panama-".length()));
    Optional<Kernels> k = Kernels.panama(bits);
    assumeTrue(k.isPresent(), impl + " is not available in this JVM/CPU");
    assertThat(k.get().name()).isEqualTo(impl);
    return k.get();
  }

  /** {@code ARRAY_OFF + n + ARRAY_OFF} floats; the payload at {@code ARRAY_OFF}, the margins hold sentinels. */
  private static float[] floats(Fill fill, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n + 2 * ARRAY_OFF];
    Arrays.fill(a, SENTINEL);
    for (int i = 0; i < n; i++) {
      a[ARRAY_OFF + i] = switch (fill) {
        case RANDOM -> (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(-12, 10)));
        case RANDOM_BITS -> Float.intBitsToFloat(r.nextInt());
        case BOUNDARY -> BOUNDARY[r.nextInt(BOUNDARY.length)];
      };
    }
    return a;
  }

  private static MemorySegment segment(Arena arena, long payloadBytes) {
    MemorySegment s = arena.allocate(payloadBytes + 2 * SEGMENT_OFF);
    s.fill(SENTINEL_BYTE);
    return s;
  }

  private static void assertMarginsUntouched(float[] a, int n) {
    for (int i = 0; i < ARRAY_OFF; i++) {
      assertThat(Float.floatToRawIntBits(a[i])).as("before output").isEqualTo(Float.floatToRawIntBits(SENTINEL));
      assertThat(Float.floatToRawIntBits(a[ARRAY_OFF + n + i])).as("after output")
          .isEqualTo(Float.floatToRawIntBits(SENTINEL));
    }
  }

  private static void assertMarginsUntouched(MemorySegment s, long payloadBytes) {
    for (long i = 0; i < SEGMENT_OFF; i++) {
      assertThat(s.get(ValueLayout.JAVA_BYTE, i)).as("before output").isEqualTo(SENTINEL_BYTE);
      assertThat(s.get(ValueLayout.JAVA_BYTE, SEGMENT_OFF + payloadBytes + i)).as("after output")
          .isEqualTo(SENTINEL_BYTE);
    }
  }

  private static void assertSameBits(float actual, float expected, String what) {
    assertThat(Integer.toHexString(Float.floatToRawIntBits(actual))).as(what)
        .isEqualTo(Integer.toHexString(Float.floatToRawIntBits(expected)));
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("cases")
  void bf16AndF16Widening(String impl, int n) {
    Kernels k = kernels(impl);
    SplittableRandom r = new SplittableRandom(n * 31L + 1);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment src = segment(arena, 2L * n);
      for (int i = 0; i < n; i++) src.set(LE_SHORT, SEGMENT_OFF + 2L * i, (short) r.nextInt());
      float[] bf16 = floats(Fill.RANDOM, n, 1);
      float[] f16 = floats(Fill.RANDOM, n, 2);
      k.bf16ToF32(src, SEGMENT_OFF, bf16, ARRAY_OFF, n);
      k.f16ToF32(src, SEGMENT_OFF, f16, ARRAY_OFF, n);
      for (int i = 0; i < n; i++) {
        short h = src.get(LE_SHORT, SEGMENT_OFF + 2L * i);
        assertSameBits(bf16[ARRAY_OFF + i], Bf16.toFloat(h), "bf16 0x" + Integer.toHexString(h & 0xFFFF));
        assertSameBits(f16[ARRAY_OFF + i], F16.toFloat(h), "f16 0x" + Integer.toHexString(h & 0xFFFF));
      }
      assertMarginsUntouched(bf16, n);
      assertMarginsUntouched(f16, n);
    }
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("cases")
  void bf16MinMaxIsMinMaxOfTheWidenedValues(String impl, int n) {
    Kernels k = kernels(impl);
    for (Fill fill : Fill.values()) {
      float[] values = floats(fill, n, 67L * n + fill.ordinal());
      if (fill == Fill.BOUNDARY) { // ±0, ±Inf and extremes without the NaNs, which would decide everything
        for (int i = 0; i < values.length; i++) if (Float.isNaN(values[i])) values[i] = -0f;
      }
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment src = segment(arena, 2L * n);
        for (int i = 0; i < n; i++) src.set(LE_SHORT, SEGMENT_OFF + 2L * i, Bf16.fromFloat(values[ARRAY_OFF + i]));
        float[] widened = new float[n];
        Kernels.scalar().bf16ToF32(src, SEGMENT_OFF, widened, 0, n);
        float[] expected = new float[2];
        Kernels.scalar().minMax(widened, 0, n, expected);
        float[] out = {SENTINEL, SENTINEL, SENTINEL};
        k.bf16MinMax(src, SEGMENT_OFF, n, out);
        assertSameBits(out[0], expected[0], fill + " min");
        assertSameBits(out[1], expected[1], fill + " max");
        assertSameBits(out[2], SENTINEL, "out2[2] untouched");
      }
    }
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("cases")
  void f32Copy(String impl, int n) {
    Kernels k = kernels(impl);
    float[] expected = floats(Fill.RANDOM_BITS, n, n);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment src = segment(arena, 4L * n);
      for (int i = 0; i < n; i++) src.set(LE_FLOAT, SEGMENT_OFF + 4L * i, expected[ARRAY_OFF + i]);
      float[] dst = floats(Fill.RANDOM, n, 7);
      k.f32ToF32(src, SEGMENT_OFF, dst, ARRAY_OFF, n);
      for (int i = 0; i < n; i++) assertSameBits(dst[ARRAY_OFF + i], expected[ARRAY_OFF + i], "element " + i);
      assertMarginsUntouched(dst, n);
    }
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("cases")
  void bf16AndFp8Narrowing(String impl, int n) {
    Kernels k = kernels(impl);
    for (Fill fill : Fill.values()) {
      float[] src = floats(fill, n, 11L * n + fill.ordinal());
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment bf16 = segment(arena, 2L * n);
        MemorySegment fp8 = segment(arena, n);
        MemorySegment fp8Rounding = segment(arena, n);
        float[] rounded = src.clone();
        k.f32ToBf16(src, ARRAY_OFF, n, bf16, SEGMENT_OFF);
        k.f32ToFp8E4m3(src, ARRAY_OFF, n, fp8, SEGMENT_OFF);
        k.roundToFp8E4m3(rounded, ARRAY_OFF, n, fp8Rounding, SEGMENT_OFF);
        for (int i = 0; i < n; i++) {
          float x = src[ARRAY_OFF + i];
          String input = fill + " input 0x" + Integer.toHexString(Float.floatToRawIntBits(x));
          assertThat(bf16.get(LE_SHORT, SEGMENT_OFF + 2L * i)).as(input).isEqualTo(Bf16.fromFloat(x));
          assertThat(fp8.get(ValueLayout.JAVA_BYTE, SEGMENT_OFF + i)).as(input).isEqualTo(Fp8E4m3.fromFloat(x));
          assertThat(fp8Rounding.get(ValueLayout.JAVA_BYTE, SEGMENT_OFF + i)).as(input)
              .isEqualTo(Fp8E4m3.fromFloat(x));
          assertSameBits(rounded[ARRAY_OFF + i], Fp8E4m3.toFloat(Fp8E4m3.fromFloat(x)), input + " rounded");
        }
        assertMarginsUntouched(bf16, 2L * n);
        assertMarginsUntouched(fp8, n);
        assertMarginsUntouched(fp8Rounding, n);
        assertMarginsUntouched(rounded, n);
      }
    }
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("cases")
  void roundToBf16InPlace(String impl, int n) {
    Kernels k = kernels(impl);
    for (Fill fill : Fill.values()) {
      float[] x = floats(fill, n, 13L * n + fill.ordinal());
      float[] original = x.clone();
      k.roundToBf16(x, ARRAY_OFF, n);
      for (int i = 0; i < n; i++) {
        assertSameBits(x[ARRAY_OFF + i], Bf16.round(original[ARRAY_OFF + i]),
            fill + " input 0x" + Integer.toHexString(Float.floatToRawIntBits(original[ARRAY_OFF + i])));
      }
      assertMarginsUntouched(x, n);
    }
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("cases")
  void absMaxAndMinMaxPropagateNaN(String impl, int n) {
    Kernels k = kernels(impl);
    for (Fill fill : Fill.values()) {
      float[] x = floats(fill, n, 17L * n + fill.ordinal());
      // Reference: NaN wins, -0.0 < +0.0, identities for n == 0.
      boolean nan = false;
      float absMax = 0f;
      float min = Float.POSITIVE_INFINITY;
      float max = Float.NEGATIVE_INFINITY;
      for (int i = ARRAY_OFF; i < ARRAY_OFF + n; i++) {
        nan |= Float.isNaN(x[i]);
        absMax = Math.max(absMax, Math.abs(x[i]));
        if (x[i] < min || (x[i] == 0f && min == 0f && Float.floatToRawIntBits(x[i]) < 0)) min = x[i];
        if (x[i] > max || (x[i] == 0f && max == 0f && Float.floatToRawIntBits(x[i]) == 0)) max = x[i];
      }
      float[] out = {SENTINEL, SENTINEL, SENTINEL};
      k.minMax(x, ARRAY_OFF, n, out);
      assertSameBits(k.absMax(x, ARRAY_OFF, n), nan ? Float.NaN : absMax, fill + " absMax");
      assertSameBits(out[0], nan ? Float.NaN : min, fill + " min");
      assertSameBits(out[1], nan ? Float.NaN : max, fill + " max");
      assertSameBits(out[2], SENTINEL, "out2[2] untouched");
    }
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("cases")
  void dotProductsAgreeWithScalarWithinTolerance(String impl, int n) {
    Kernels k = kernels(impl);
    float[] a = floats(Fill.RANDOM, n, 19L * n);
    float[] b = floats(Fill.RANDOM, n, 23L * n);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment wBf16 = segment(arena, 2L * n);
      MemorySegment wF16 = segment(arena, 2L * n);
      MemorySegment wF32 = segment(arena, 4L * n);
      double[] exact = new double[4];
      double[] magnitude = new double[4];
      for (int i = 0; i < n; i++) {
        float ai = a[ARRAY_OFF + i];
        float bi = b[ARRAY_OFF + i];
        wBf16.set(LE_SHORT, SEGMENT_OFF + 2L * i, Bf16.fromFloat(ai));
        wF16.set(LE_SHORT, SEGMENT_OFF + 2L * i, F16.fromFloat(ai));
        wF32.set(LE_FLOAT, SEGMENT_OFF + 4L * i, ai);
        float[] stored = {ai, Bf16.round(ai), F16.toFloat(F16.fromFloat(ai)), ai};
        for (int j = 0; j < 4; j++) {
          exact[j] += (double) stored[j] * bi;
          magnitude[j] += Math.abs((double) stored[j] * bi);
        }
      }
      float[] got = {
          k.dot(a, ARRAY_OFF, b, ARRAY_OFF, n), k.dotBf16(wBf16, SEGMENT_OFF, b, ARRAY_OFF, n),
          k.dotF16(wF16, SEGMENT_OFF, b, ARRAY_OFF, n), k.dotF32(wF32, SEGMENT_OFF, b, ARRAY_OFF, n)};
      Kernels s = Kernels.scalar();
      float[] scalar = {
          s.dot(a, ARRAY_OFF, b, ARRAY_OFF, n), s.dotBf16(wBf16, SEGMENT_OFF, b, ARRAY_OFF, n),
          s.dotF16(wF16, SEGMENT_OFF, b, ARRAY_OFF, n), s.dotF32(wF32, SEGMENT_OFF, b, ARRAY_OFF, n)};
      for (int j = 0; j < 4; j++) {
        assertThat((double) got[j]).as("dot variant %d", j).isCloseTo(scalar[j], offset(1e-5 * n * magnitude[j]));
        assertThat((double) got[j]).as("dot variant %d", j).isCloseTo(exact[j], offset(1e-5 * n * magnitude[j]));
      }
      if (n > 0) {
        a[ARRAY_OFF + n / 2] = Float.NaN;
        wBf16.set(LE_SHORT, SEGMENT_OFF + 2L * (n / 2), Bf16.NAN);
        wF16.set(LE_SHORT, SEGMENT_OFF + 2L * (n / 2), (short) 0x7E00);
        wF32.set(LE_FLOAT, SEGMENT_OFF + 4L * (n / 2), Float.NaN);
        assertThat(k.dot(a, ARRAY_OFF, b, ARRAY_OFF, n)).isNaN();
        assertThat(k.dotBf16(wBf16, SEGMENT_OFF, b, ARRAY_OFF, n)).isNaN();
        assertThat(k.dotF16(wF16, SEGMENT_OFF, b, ARRAY_OFF, n)).isNaN();
        assertThat(k.dotF32(wF32, SEGMENT_OFF, b, ARRAY_OFF, n)).isNaN();
      }
    }
  }

  /** Group sizes that split n evenly, unevenly, below and above the vector widths, and into one group. */
  private static int[] groupSizes(int n) {
    return new int[] {1, 3, 8, 16, 17, 32, 128, Math.max(1, n), n + 5};
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("cases")
  void minMaxGroupsAndAbsMaxGroupsAreMinMaxAndAbsMaxPerGroup(String impl, int n) {
    Kernels k = kernels(impl);
    for (Fill fill : Fill.values()) {
      float[] x = floats(fill, n, 37L * n + fill.ordinal());
      for (int gs : groupSizes(n)) {
        int groups = Math.ceilDiv(n, gs);
        float[] gotMins = new float[groups + 1];
        float[] gotMaxs = new float[groups + 1];
        gotMins[groups] = SENTINEL;
        gotMaxs[groups] = SENTINEL;
        float[] gotAbsMaxs = gotMins.clone();
        k.minMaxGroups(x, ARRAY_OFF, n, gs, gotMins, gotMaxs);
        k.absMaxGroups(x, ARRAY_OFF, n, gs, gotAbsMaxs);
        assertSameBits(gotMins[groups], SENTINEL, "mins past the groups untouched");
        assertSameBits(gotMaxs[groups], SENTINEL, "maxs past the groups untouched");
        assertSameBits(gotAbsMaxs[groups], SENTINEL, "absMaxs past the groups untouched");
        float[] expected = new float[2];
        for (int g = 0; g < groups; g++) {
          int from = g * gs;
          Kernels.scalar().minMax(x, ARRAY_OFF + from, Math.min(gs, n - from), expected);
          assertSameBits(gotMins[g], expected[0], fill + " gs=" + gs + " min of group " + g);
          assertSameBits(gotMaxs[g], expected[1], fill + " gs=" + gs + " max of group " + g);
          assertSameBits(gotAbsMaxs[g], Kernels.scalar().absMax(x, ARRAY_OFF + from, Math.min(gs, n - from)),
              fill + " gs=" + gs + " absMax of group " + g);
        }
      }
    }
  }

  enum GroupValues { SCALES, ZERO_POINTS, SIGNED_ZEROS }

  /**
   * Scales and zero points with the awkward cases: zero, negative, NaN, infinite, subnormal scales; integer and ±0
   * zero points (only ±0: what symmetric schemes pass).
   */
  private static float[] groupValues(int groups, long seed, GroupValues kind) {
    SplittableRandom r = new SplittableRandom(seed);
    boolean zeroPoints = kind != GroupValues.SCALES;
    float[] a = new float[groups];
    for (int g = 0; g < groups; g++) {
      if (kind == GroupValues.SIGNED_ZEROS) {
        a[g] = r.nextBoolean() ? 0f : -0f;
        continue;
      }
      a[g] = switch (r.nextInt(10)) {
        case 0 -> zeroPoints ? -0f : 0f;
        case 1 -> zeroPoints ? 0f : Float.NaN;
        case 2 -> zeroPoints ? r.nextInt(-8, 8) : Float.POSITIVE_INFINITY;
        case 3 -> zeroPoints ? r.nextInt(-128, 128) : Float.MIN_VALUE * r.nextInt(1, 100);
        case 4 -> zeroPoints ? 0f : -0x1p-7f;
        default -> (float) Math.abs(r.nextGaussian() * Math.scalb(1.0, r.nextInt(-12, 4)));
      };
    }
    return a;
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("cases")
  void divideRoundMatchesTheCodecs(String impl, int n) {
    Kernels k = kernels(impl);
    for (DType dtype : new DType[] {DType.BF16, DType.F16, DType.F32}) {
      for (Fill fill : Fill.values()) {
        float[] x = floats(fill, n, 41L * n + fill.ordinal());
        for (int gs : groupSizes(n)) {
          for (GroupValues zeroKind : new GroupValues[] {GroupValues.ZERO_POINTS, GroupValues.SIGNED_ZEROS}) {
            int groups = Math.ceilDiv(n, gs);
            float[] scales = groupValues(groups, n + gs, GroupValues.SCALES);
            float[] zeroPoints = groupValues(groups, n - gs, zeroKind);
            float[] y = floats(Fill.RANDOM, n, 43);
            k.divideRound(x, ARRAY_OFF, n, gs, scales, zeroPoints, dtype, y, ARRAY_OFF);
            float[] inPlace = x.clone();
            k.divideRound(inPlace, ARRAY_OFF, n, gs, scales, zeroPoints, dtype, inPlace, ARRAY_OFF);
            for (int i = 0; i < n; i++) {
              float v = x[ARRAY_OFF + i];
              float s = scales[i / gs];
              float z = zeroPoints[i / gs];
              float expected = switch (dtype) {
                case BF16 -> Bf16.round(Bf16.round(v / s) + z);
                case F16 -> F16.round(F16.round(v / s) + z);
                default -> v / s + z;
              };
              String what = dtype + " " + fill + " gs=" + gs + " x=0x" + Integer.toHexString(Float.floatToRawIntBits(v))
                  + " s=" + s + " z=" + z;
              assertSameBits(y[ARRAY_OFF + i], expected, what);
              assertSameBits(inPlace[ARRAY_OFF + i], expected, what + " in place");
            }
            assertMarginsUntouched(y, n);
            assertMarginsUntouched(inPlace, n);
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("cases")
  void fp4PackingMatchesTheCodec(String impl, int n) {
    Kernels k = kernels(impl);
    for (Fill fill : Fill.values()) {
      float[] src = floats(fill, n, 47L * n + fill.ordinal());
      if (fill == Fill.RANDOM) for (int i = 0; i < src.length; i++) src[i] = Math.scalb(src[i], 8); // around 0..6
      long bytes = (n + 1) / 2;
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment dst = segment(arena, bytes);
        k.f32ToFp4E2m1Packed(src, ARRAY_OFF, n, dst, SEGMENT_OFF);
        for (int j = 0; j < bytes; j++) {
          int even = Fp4E2m1.fromFloat(src[ARRAY_OFF + 2 * j]);
          int odd = 2 * j + 1 < n ? Fp4E2m1.fromFloat(src[ARRAY_OFF + 2 * j + 1]) : 0;
          assertThat(dst.get(ValueLayout.JAVA_BYTE, SEGMENT_OFF + j)).as(fill + " byte " + j)
              .isEqualTo(Fp4E2m1.pack(even, odd));
        }
        assertMarginsUntouched(dst, bytes);
      }
    }
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("cases")
  void intCodesMatchRoundedClampAndPackToInt32(String impl, int n) {
    Kernels k = kernels(impl);
    for (Fill fill : Fill.values()) {
      float[] src = floats(fill, n, 53L * n + fill.ordinal());
      if (fill == Fill.RANDOM) for (int i = 0; i < src.length; i++) src[i] = Math.scalb(src[i], 10);
      for (int bits = 1; bits <= 8; bits++) {
        int[] q = new int[n];
        float lo = -(1 << (bits - 1));
        float hi = (1 << (bits - 1)) - 1;
        for (int i = 0; i < n; i++) q[i] = (int) Math.rint(Math.max(lo, Math.min(hi, src[ARRAY_OFF + i])));
        int[] words = new int[(int) IntPacking.words(n, bits)];
        IntPacking.pack(q, n, bits, words);
        try (Arena arena = Arena.ofConfined()) {
          MemorySegment int8 = segment(arena, n);
          MemorySegment packed = segment(arena, 4L * words.length);
          k.f32ToInt8(src, ARRAY_OFF, n, bits, int8, SEGMENT_OFF);
          k.f32ToPackedInt(src, ARRAY_OFF, n, bits, packed, SEGMENT_OFF);
          for (int i = 0; i < n; i++) {
            assertThat(int8.get(ValueLayout.JAVA_BYTE, SEGMENT_OFF + i))
                .as(fill + " bits=" + bits + " input " + src[ARRAY_OFF + i]).isEqualTo((byte) q[i]);
          }
          for (int w = 0; w < words.length; w++) {
            assertThat(Integer.toHexString(packed.get(LE_INT, SEGMENT_OFF + 4L * w)))
                .as(fill + " bits=" + bits + " word " + w).isEqualTo(Integer.toHexString(words[w]));
          }
          assertMarginsUntouched(int8, n);
          assertMarginsUntouched(packed, 4L * words.length);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "panama-128", "panama-256", "panama-512"})
  void outOfRangeArgumentsThrowBeforeWriting(String impl) {
    Kernels k = kernels(impl);
    float[] dst = floats(Fill.RANDOM, 64, 29);
    float[] before = dst.clone();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment src = arena.allocate(100);
      assertThatThrownBy(() -> k.bf16ToF32(src, 0, dst, ARRAY_OFF, 51)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.bf16ToF32(src, 0, dst, 50, 30)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.roundToFp8E4m3(dst, 0, 64, src, 40)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.bf16MinMax(src, 2, 50, new float[2])).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.f32ToFp8E4m3(dst, 0, 64, src, 40)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.f32ToBf16(dst, 0, 64, src, 0)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.dotBf16(src, 2, dst, 0, 50)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.dotF16(src, 2, dst, 0, 50)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.dotF32(src, 4, dst, 0, 25)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.dot(dst, 10, dst, 0, 64)).isInstanceOf(IndexOutOfBoundsException.class);
      float[] two = new float[2];
      assertThatThrownBy(() -> k.minMaxGroups(dst, 0, 64, 16, two, new float[4]))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.minMaxGroups(dst, 0, 64, 0, two, two)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> k.divideRound(dst, 0, 64, 32, two, two, DType.BF16, dst, 10))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.divideRound(dst, 0, 64, 32, two, two, DType.I8, dst, 0))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> k.divideRound(dst, 0, 64, 16, two, two, DType.F16, dst, 0))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.f32ToFp4E2m1Packed(dst, 0, 64, src, 70)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.f32ToInt8(dst, 0, 64, 8, src, 40)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.f32ToInt8(dst, 0, 64, 9, src, 0)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> k.f32ToPackedInt(dst, 0, 63, 4, src, 69)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.f32ToPackedInt(dst, 0, 64, 0, src, 0)).isInstanceOf(IllegalArgumentException.class);
      assertThat(dst).isEqualTo(before);
      assertThat(src.toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0);
    }
  }
}
