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

/**
 * The engine's kernels, every implementation: the multi-row dot kernels on stored weights (bf16, FP8 E4M3, int8,
 * packed 4-bit, FP4 E2M1) against a double-precision sum of the decoded terms, within {@code 1e-5 · sum|term|}, and
 * the scalar kernels within the same bound of each other; the dequantizers bit for bit against the decoded values; the
 * float32 block products against exact sums. Group sizes cover one scale per row, groups spanning whole vectors, several groups per
 * vector (NVFP4's 16 on wide vectors) and groups that fit no vector (the scalar fallback); row counts cover the
 * four-row blocks and their remainders; everything sits at odd offsets with sentinels around the outputs.
 */
class EngineKernelsContractTest {
  private static final int[] SIZES = {0, 2, 16, 34, 64, 130, 256, 1000, 4096};
  private static final int[] ROWS = {1, 3, 4, 9};
  private static final int[] GROUPS = {16, 24, 32, 128, Integer.MAX_VALUE};
  private static final String[] IMPLS = {"scalar", "panama-128", "panama-256", "panama-512"};
  private static final int ARRAY_OFF = 3;
  private static final long SEGMENT_OFF = 5;
  private static final int SCALE_OFF = 2;
  private static final float SENTINEL = Float.intBitsToFloat(0x5A5A5A5A);
  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  enum Codes { BF16, FP8, INT8, UINT8, UINT4, FP4 }

  static Stream<Arguments> cases() {
    return Stream.of(IMPLS).flatMap(impl -> Stream.of(Codes.values()).map(codes -> Arguments.of(impl, codes)));
  }

  private static Kernels kernels(String impl) {
    if (impl.equals("scalar")) return Kernels.scalar();
    Optional<Kernels> k = Kernels.panama(Integer.parseInt(impl.substring("panama-".length())));
    assumeTrue(k.isPresent(), impl + " is not available in this JVM/CPU");
    return k.get();
  }

  /** One weight row of {@code n} codes with its group scales and zero points, and the value of each element. */
  private record Row(MemorySegment codes, float[] scales, float[] zeros, double[] values) {}

  private static Row row(Arena arena, Codes codes, int n, int groupSize, SplittableRandom random) {
    boolean nibbles = codes == Codes.UINT4 || codes == Codes.FP4;
    long bytes = codes == Codes.BF16 ? 2L * n : nibbles ? n / 2 : n;
    MemorySegment segment = arena.allocate(bytes + 2 * SEGMENT_OFF);
    int groups = n == 0 ? 0 : Math.ceilDiv(n, Math.min(groupSize, n));
    float[] scales = new float[SCALE_OFF + groups + 1];
    float[] zeros = new float[SCALE_OFF + groups + 1];
    for (int g = 0; g < groups; g++) {
      scales[SCALE_OFF + g] = (float) Math.scalb(0.5 + random.nextDouble(), random.nextInt(-8, 4));
      zeros[SCALE_OFF + g] = switch (codes) {
        case INT8 -> random.nextInt(-128, 128);
        case UINT8 -> random.nextInt(0, 256);
        case UINT4 -> random.nextInt(0, 16);
        default -> 0;
      };
    }
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      int g = SCALE_OFF + i / Math.min(groupSize, n);
      switch (codes) {
        case BF16 -> {
          short h = Bf16.fromFloat((float) random.nextGaussian());
          segment.set(LE_SHORT, SEGMENT_OFF + 2L * i, h);
          values[i] = Bf16.toFloat(h);
        }
        case FP8 -> {
          byte b = (byte) random.nextInt(256);
          if ((b & 0x7F) == 0x7F) b = 0x3C; // NaN codes are checked on their own
          segment.set(ValueLayout.JAVA_BYTE, SEGMENT_OFF + i, b);
          values[i] = Fp8E4m3.toFloat(b) * scales[g];
        }
        case INT8, UINT8 -> {
          byte b = (byte) random.nextInt(256);
          segment.set(ValueLayout.JAVA_BYTE, SEGMENT_OFF + i, b);
          values[i] = ((codes == Codes.UINT8 ? b & 0xFF : b) - zeros[g]) * scales[g];
        }
        case UINT4, FP4 -> {
          int code = random.nextInt(16);
          long at = SEGMENT_OFF + i / 2;
          byte old = segment.get(ValueLayout.JAVA_BYTE, at);
          segment.set(ValueLayout.JAVA_BYTE, at, (byte) (i % 2 == 0 ? code : (old & 0xF) | code << 4));
          values[i] = (codes == Codes.FP4 ? Fp4E2m1.toFloat(code) : code - zeros[g]) * scales[g];
        }
      }
    }
    return new Row(segment, scales, zeros, values);
  }

  /** Calls the kernel for {@code codes}; nibble kernels get the even and odd elements of {@code x} split. */
  private static void dot(Kernels k, Codes codes, Row w, float[] x, int xStride, int rows, int n, int groupSize,
      float[] out) {
    int gs = Math.min(groupSize, Math.max(n, 2));
    switch (codes) {
      case BF16 -> k.dotBf16Rows(w.codes, SEGMENT_OFF, x, ARRAY_OFF, xStride, rows, n, out, ARRAY_OFF);
      case FP8 -> k.dotFp8E4m3Rows(w.codes, SEGMENT_OFF, x, ARRAY_OFF, xStride, rows, n, w.scales, SCALE_OFF, gs, out,
          ARRAY_OFF);
      case INT8, UINT8 -> k.dotInt8Rows(w.codes, SEGMENT_OFF, codes == Codes.UINT8, x, ARRAY_OFF, xStride, rows, n,
          w.scales, w.zeros, SCALE_OFF, gs, out, ARRAY_OFF);
      case UINT4, FP4 -> {
        float[] even = new float[x.length / 2 + 2];
        float[] odd = new float[x.length / 2 + 2];
        int half = xStride / 2;
        for (int r = 0; r < rows; r++) {
          for (int k2 = 0; k2 < n / 2; k2++) {
            even[ARRAY_OFF + r * half + k2] = x[ARRAY_OFF + r * xStride + 2 * k2];
            odd[ARRAY_OFF + r * half + k2] = x[ARRAY_OFF + r * xStride + 2 * k2 + 1];
          }
        }
        if (codes == Codes.FP4) {
          k.dotFp4E2m1Rows(w.codes, SEGMENT_OFF, even, odd, ARRAY_OFF, half, rows, n / 2, w.scales, SCALE_OFF, gs,
              out, ARRAY_OFF);
        } else {
          k.dotUint4Rows(w.codes, SEGMENT_OFF, even, odd, ARRAY_OFF, half, rows, n / 2, w.scales, w.zeros, SCALE_OFF,
              gs, out, ARRAY_OFF);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void everyRowMatchesTheDecodedSumWithinTolerance(String impl, Codes codes) {
    Kernels k = kernels(impl);
    Kernels scalar = Kernels.scalar();
    for (int n : SIZES) {
      for (int groupSize : GROUPS) {
        if (codes == Codes.BF16 && groupSize != Integer.MAX_VALUE) continue;
        for (int rows : ROWS) {
          var random = new SplittableRandom(n * 1_000_003L + groupSize * 31L + rows * 7L + codes.ordinal());
          int xStride = n + 6;
          float[] x = new float[2 * ARRAY_OFF + rows * xStride];
          for (int i = 0; i < x.length; i++) x[i] = (float) (random.nextGaussian() * Math.scalb(1.0, random.nextInt(-6, 6)));
          try (Arena arena = Arena.ofConfined()) {
            Row w = row(arena, codes, n, groupSize, random);
            float[] out = new float[2 * ARRAY_OFF + rows];
            float[] expectedByScalar = new float[2 * ARRAY_OFF + rows];
            Arrays.fill(out, SENTINEL);
            dot(k, codes, w, x, xStride, rows, n, groupSize, out);
            dot(scalar, codes, w, x, xStride, rows, n, groupSize, expectedByScalar);
            for (int r = 0; r < rows; r++) {
              double exact = 0;
              double magnitude = 0;
              for (int i = 0; i < n; i++) {
                double term = w.values[i] * x[ARRAY_OFF + r * xStride + i];
                exact += term;
                magnitude += Math.abs(term);
              }
              String what = codes + " n=" + n + " group=" + groupSize + " rows=" + rows + " row " + r;
              assertThat((double) out[ARRAY_OFF + r]).as(what).isCloseTo(exact, offset(1e-5 * magnitude + 1e-30));
              assertThat((double) out[ARRAY_OFF + r]).as(what + " vs scalar")
                  .isCloseTo(expectedByScalar[ARRAY_OFF + r], offset(1e-5 * magnitude + 1e-30));
            }
            for (int i = 0; i < ARRAY_OFF; i++) {
              assertThat(Float.floatToRawIntBits(out[i])).isEqualTo(Float.floatToRawIntBits(SENTINEL));
              assertThat(Float.floatToRawIntBits(out[ARRAY_OFF + rows + i])).isEqualTo(Float.floatToRawIntBits(SENTINEL));
            }
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void dequantizedRowsHoldExactlyTheDecodedValues(String impl, Codes codes) {
    if (codes == Codes.BF16) return; // bf16ToF32 has its own contract test
    Kernels k = kernels(impl);
    for (int n : SIZES) {
      for (int groupSize : GROUPS) {
        var random = new SplittableRandom(n * 7_000_003L + groupSize + codes.ordinal());
        int gs = Math.min(groupSize, Math.max(n, 2));
        try (Arena arena = Arena.ofConfined()) {
          Row w = row(arena, codes, n, groupSize, random);
          float[] dst = new float[n + 2 * ARRAY_OFF];
          Arrays.fill(dst, SENTINEL);
          switch (codes) {
            case FP8 -> k.dequantizeFp8E4m3(w.codes, SEGMENT_OFF, w.scales, SCALE_OFF, gs, dst, ARRAY_OFF, n);
            case INT8, UINT8 -> k.dequantizeInt8(w.codes, SEGMENT_OFF, codes == Codes.UINT8, w.scales, w.zeros,
                SCALE_OFF, gs, dst, ARRAY_OFF, n);
            case UINT4 -> k.dequantizeUint4(w.codes, SEGMENT_OFF, w.scales, w.zeros, SCALE_OFF, gs, dst, ARRAY_OFF, dst,
                ARRAY_OFF + n / 2, n / 2);
            case FP4 -> k.dequantizeFp4E2m1(w.codes, SEGMENT_OFF, w.scales, SCALE_OFF, gs, dst, ARRAY_OFF, dst,
                ARRAY_OFF + n / 2, n / 2);
            default -> throw new IllegalStateException();
          }
          boolean split = codes == Codes.UINT4 || codes == Codes.FP4;
          for (int i = 0; i < n; i++) {
            int at = split ? ARRAY_OFF + (i % 2 == 0 ? i / 2 : n / 2 + i / 2) : ARRAY_OFF + i;
            assertThat(dst[at]).as("%s n=%d group=%d element %d", codes, n, groupSize, i).isEqualTo((float) w.values[i]);
          }
          for (int i = 0; i < ARRAY_OFF; i++) {
            assertThat(Float.floatToRawIntBits(dst[i])).isEqualTo(Float.floatToRawIntBits(SENTINEL));
            assertThat(Float.floatToRawIntBits(dst[ARRAY_OFF + n + i])).isEqualTo(Float.floatToRawIntBits(SENTINEL));
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "panama-128", "panama-256", "panama-512"})
  void blocksOfDotProductsMatchTheExactSums(String impl) {
    Kernels k = kernels(impl);
    for (int n : SIZES) {
      for (int aRows : new int[] {1, 3, 4, 9}) {
        for (int bRows : new int[] {1, 4, 7}) {
          var random = new SplittableRandom(n * 31L + aRows * 7L + bRows);
          int aStride = n + 3;
          int bStride = n + 5;
          int outStride = bRows + 2;
          float[] a = new float[ARRAY_OFF + aRows * aStride];
          float[] b = new float[ARRAY_OFF + bRows * bStride];
          for (int i = 0; i < a.length; i++) a[i] = (float) random.nextGaussian();
          for (int i = 0; i < b.length; i++) b[i] = (float) (random.nextGaussian() * 0.01);
          float[] out = new float[ARRAY_OFF + aRows * outStride];
          Arrays.fill(out, SENTINEL);
          k.dotF32Block(a, ARRAY_OFF, aStride, aRows, b, ARRAY_OFF, bStride, bRows, n, out, ARRAY_OFF, outStride);
          for (int r = 0; r < aRows; r++) {
            for (int s = 0; s < outStride; s++) {
              float got = out[ARRAY_OFF + r * outStride + s];
              if (s >= bRows) {
                assertThat(Float.floatToRawIntBits(got)).as("outside the block").isEqualTo(
                    Float.floatToRawIntBits(SENTINEL));
                continue;
              }
              double exact = 0;
              double magnitude = 0;
              for (int i = 0; i < n; i++) {
                double term = (double) a[ARRAY_OFF + r * aStride + i] * b[ARRAY_OFF + s * bStride + i];
                exact += term;
                magnitude += Math.abs(term);
              }
              assertThat((double) got).as("n=%d %dx%d (%d, %d)", n, aRows, bRows, r, s)
                  .isCloseTo(exact, offset(1e-5 * magnitude + 1e-30));
            }
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "panama-128", "panama-256", "panama-512"})
  void matrixProductsAlongTheOutputMatchTheExactSums(String impl) {
    Kernels k = kernels(impl);
    for (int inner : new int[] {0, 1, 5, 64, 300}) {
      for (int n : new int[] {1, 15, 16, 64, 100, 129}) {
        for (int aRows : new int[] {1, 4, 6}) {
          var random = new SplittableRandom(inner * 131L + n * 7L + aRows);
          int aStride = inner + 2;
          int bStride = n + 3;
          int outStride = n + 1;
          float[] a = new float[ARRAY_OFF + aRows * aStride];
          float[] b = new float[ARRAY_OFF + Math.max(1, inner) * bStride];
          for (int i = 0; i < a.length; i++) a[i] = (float) random.nextDouble();
          for (int i = 0; i < b.length; i++) b[i] = (float) random.nextGaussian();
          float[] out = new float[ARRAY_OFF + aRows * outStride];
          Arrays.fill(out, SENTINEL);
          k.matmulF32(a, ARRAY_OFF, aStride, aRows, b, ARRAY_OFF, bStride, inner, n, out, ARRAY_OFF, outStride);
          for (int r = 0; r < aRows; r++) {
            for (int j = 0; j < outStride; j++) {
              float got = out[ARRAY_OFF + r * outStride + j];
              if (j >= n) {
                assertThat(Float.floatToRawIntBits(got)).isEqualTo(Float.floatToRawIntBits(SENTINEL));
                continue;
              }
              double exact = 0;
              double magnitude = 0;
              for (int p = 0; p < inner; p++) {
                double term = (double) a[ARRAY_OFF + r * aStride + p] * b[ARRAY_OFF + p * bStride + j];
                exact += term;
                magnitude += Math.abs(term);
              }
              assertThat((double) got).as("k=%d n=%d rows=%d (%d, %d)", inner, n, aRows, r, j)
                  .isCloseTo(exact, offset(1e-5 * magnitude + 1e-30));
            }
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "panama-128", "panama-256", "panama-512"})
  void int8FakeQuantizationMatchesTheScalarFormulaBitForBit(String impl) {
    Kernels k = kernels(impl);
    Kernels scalar = Kernels.scalar();
    float[] special = {0f, -0f, -0.3f, 0.3f, 127.5f, -127.5f, 0.5f, -0.5f, 1e-30f, -1e-30f, 447f, 470f, -500f,
        Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    for (int n : SIZES) {
      var random = new SplittableRandom(n * 17L + 3);
      float[] x = new float[n + 2 * ARRAY_OFF];
      for (int i = 0; i < x.length; i++) {
        x[i] = i % 9 == 0 ? special[random.nextInt(special.length)]
            : (float) (random.nextGaussian() * Math.scalb(1.0, random.nextInt(-10, 8)));
      }
      for (float scale : new float[] {1f, 0.0172f, 3.7e-5f, 2.5f}) {
        float[] got = new float[n + 2 * ARRAY_OFF];
        float[] want = new float[n + 2 * ARRAY_OFF];
        Arrays.fill(got, SENTINEL);
        Arrays.fill(want, SENTINEL);
        k.fakeQuantizeInt8(x, ARRAY_OFF, n, 1f / scale, scale, got, ARRAY_OFF);
        scalar.fakeQuantizeInt8(x, ARRAY_OFF, n, 1f / scale, scale, want, ARRAY_OFF);
        assertThat(got).as("int8 n=%d scale=%s", n, scale).isEqualTo(want);
      }
    }
    // the scalar form is the formula itself
    float[] out = new float[3];
    scalar.fakeQuantizeInt8(new float[] {1.5f, -0.25f, 300f}, 0, 3, 1f, 2f, out, 0);
    assertThat(out).containsExactly(4f, -0f, 254f);
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "panama-128", "panama-256", "panama-512"})
  void anFp8NaNCodePoisonsEveryRow(String impl) {
    Kernels k = kernels(impl);
    int n = 300;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment w = arena.allocate(n);
      for (int i = 0; i < n; i++) w.set(ValueLayout.JAVA_BYTE, i, (byte) 0x38);
      float[] x = new float[5 * n];
      Arrays.fill(x, 1f);
      float[] out = new float[5];
      float[] scale = {0.5f};
      k.dotFp8E4m3Rows(w, 0, x, 0, n, 5, n, scale, 0, n, out, 0);
      assertThat(out).containsOnly(0.5f * n);
      for (int at : new int[] {7, 299}) {
        w.set(ValueLayout.JAVA_BYTE, at, (byte) (at == 7 ? 0x7F : 0xFF));
        k.dotFp8E4m3Rows(w, 0, x, 0, n, 5, n, scale, 0, n, out, 0);
        for (float v : out) assertThat(v).as("NaN code at %d", at).isNaN();
        w.set(ValueLayout.JAVA_BYTE, at, (byte) 0x38);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "panama-128", "panama-256", "panama-512"})
  void outOfRangeArgumentsThrowBeforeWriting(String impl) {
    Kernels k = kernels(impl);
    float[] x = new float[100];
    float[] out = new float[4];
    float[] scales = new float[4];
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment w = arena.allocate(64);
      assertThatThrownBy(() -> k.dotFp8E4m3Rows(w, 1, x, 0, 32, 2, 64, scales, 0, 64, out, 0))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.dotFp8E4m3Rows(w, 0, x, 0, 50, 2, 64, scales, 0, 64, out, 0))
          .as("second row past x").isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.dotInt8Rows(w, 0, true, x, 0, 0, 1, 64, scales, scales, 0, 8, out, 0))
          .as("8 groups, 4 scales").isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.dotUint4Rows(w, 0, x, x, 0, 0, 5, 32, scales, scales, 0, 64, out, 0))
          .as("5 outputs").isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> k.dotFp4E2m1Rows(w, 0, x, x, 0, 0, 1, 32, scales, 0, 15, out, 0))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("splits a byte");
      assertThatThrownBy(() -> k.dotBf16Rows(w, 0, x, 0, 0, 1, 33, out, 0))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThat(out).containsOnly(0f);
      assertThat(IntStream.range(0, 64).map(i -> w.get(ValueLayout.JAVA_BYTE, i))).containsOnly(0);
    }
  }
}
