package vlmq.numeric;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every scalar codec against PyTorch, bit for bit, on the vectors of {@code tools/gen_codec_vectors.py} (layout in
 * {@link CodecVectors}): all bf16 and binary16 bit patterns as inputs, ties at every rounding boundary, subnormals,
 * NaN payloads, saturation edges and random values.
 */
class CodecVectorsTest {
  private static final CodecVectors V = CodecVectors.get();
  private static final int[] INPUTS = V.inputBits();
  private static final AtomicLong CHECKS = new AtomicLong();

  @AfterAll
  static void printCount() {
    int[] groups = V.ints("groups");
    System.out.printf(
        "codec reference vectors: %d f32 inputs (%d bf16 patterns, %d f16 patterns, %d specials, %d random);"
            + " %d bit-exact checks against PyTorch%n",
        INPUTS.length, groups[0], groups[1], groups[2], groups[3], CHECKS.get());
  }

  private static float input(int i) {
    return Float.intBitsToFloat(INPUTS[i]);
  }

  /** Compares {@code actual(i)} with {@code expected(i)} for every i, listing the first mismatches by input. */
  private static void assertExact(String what, int count, IntUnaryOperator expected, IntUnaryOperator actual,
      IntUnaryOperator inputBits) {
    List<String> mismatches = new ArrayList<>();
    int total = 0;
    for (int i = 0; i < count; i++) {
      int e = expected.applyAsInt(i);
      int a = actual.applyAsInt(i);
      if (e != a) {
        total++;
        if (mismatches.size() < 20) {
          mismatches.add("input 0x%08x: torch 0x%x, ours 0x%x".formatted(inputBits.applyAsInt(i), e, a));
        }
      }
    }
    CHECKS.addAndGet(count);
    assertThat(mismatches).as("%s: %d of %d differ", what, total, count).isEmpty();
  }

  private static void assertEncoder(String section, IntUnaryOperator ours) {
    int[] expected = section.equals("to_bf16") || section.equals("to_f16") ? unsigned(V.shorts(section))
        : unsigned(V.bytes(section));
    assertThat(expected).hasSameSizeAs(INPUTS);
    assertExact(section, INPUTS.length, i -> expected[i], ours, i -> INPUTS[i]);
  }

  private static int[] unsigned(short[] s) {
    int[] out = new int[s.length];
    for (int i = 0; i < s.length; i++) out[i] = s[i] & 0xFFFF;
    return out;
  }

  private static int[] unsigned(byte[] b) {
    int[] out = new int[b.length];
    for (int i = 0; i < b.length; i++) out[i] = b[i] & 0xFF;
    return out;
  }

  @Test
  void bf16EncodeMatchesTorch() {
    assertEncoder("to_bf16", i -> Bf16.fromFloat(input(i)) & 0xFFFF);
  }

  @Test
  void f16EncodeMatchesTorch() {
    assertEncoder("to_f16", i -> F16.fromFloat(input(i)) & 0xFFFF);
  }

  @Test
  void e4m3EncodeMatchesTorch() {
    assertEncoder("to_e4m3fn", i -> Fp8E4m3.fromFloat(input(i)) & 0xFF);
  }

  @Test
  void e5m2EncodeMatchesTorch() {
    assertEncoder("to_e5m2", i -> Fp8E5m2.fromFloat(input(i)) & 0xFF);
  }

  @Test
  void e8m0EncodeMatchesTorch() {
    assertEncoder("to_e8m0", i -> E8m0.fromFloat(input(i)) & 0xFF);
  }

  @Test
  void fp4EncodeMatchesCompressedTensors() {
    int[] expected = unsigned(V.bytes("to_fp4"));
    // 0xFF marks NaN inputs, for which upstream's result depends on uninitialised memory.
    assertExact("to_fp4", INPUTS.length, i -> expected[i] == 0xFF ? 0xFF : expected[i],
        i -> expected[i] == 0xFF ? 0xFF : Fp4E2m1.fromFloat(input(i)), i -> INPUTS[i]);
    assertThat(Fp4E2m1.fromFloat(Float.NaN)).isZero();
  }

  @Test
  void sixteenBitDecodersMatchTorch() {
    int[] bf16 = V.ints("dec_bf16");
    int[] f16 = V.ints("dec_f16");
    assertExact("dec_bf16", 65536, i -> bf16[i], i -> Float.floatToRawIntBits(Bf16.toFloat((short) i)), i -> i);
    assertExact("dec_f16", 65536, i -> f16[i], i -> Float.floatToRawIntBits(F16.toFloat((short) i)), i -> i);
  }

  @Test
  void eightBitDecodersMatchTorch() {
    int[] e4m3 = V.ints("dec_e4m3fn");
    int[] e5m2 = V.ints("dec_e5m2");
    int[] e8m0 = V.ints("dec_e8m0");
    assertExact("dec_e4m3fn", 256, i -> e4m3[i], i -> Float.floatToRawIntBits(Fp8E4m3.toFloat((byte) i)), i -> i);
    assertExact("dec_e5m2", 256, i -> e5m2[i], i -> Float.floatToRawIntBits(Fp8E5m2.toFloat((byte) i)), i -> i);
    assertExact("dec_e8m0", 256, i -> e8m0[i], i -> Float.floatToRawIntBits(E8m0.toFloat((byte) i)), i -> i);
  }

  @Test
  void fp4DecodeAndPackingMatchCompressedTensors() {
    int[] values = V.ints("dec_fp4");
    int[] packed = unsigned(V.bytes("pack_fp4"));
    assertExact("dec_fp4", 16, i -> values[i], i -> Float.floatToRawIntBits(Fp4E2m1.toFloat(i)), i -> i);
    assertExact("pack_fp4", 256, i -> packed[i], i -> Fp4E2m1.pack(i & 15, i >> 4) & 0xFF, i -> i);
    assertExact("unpack_fp4", 256, i -> i, i -> Fp4E2m1.evenCode((byte) i) | Fp4E2m1.oddCode((byte) i) << 4,
        i -> i);
  }

  /** round(x) must be torch's decode of torch's encode: the value a bf16/f16 tensor holds after the op. */
  @Test
  void roundIsTorchEncodeThenDecode() {
    int[] bf16 = V.ints("dec_bf16");
    int[] f16 = V.ints("dec_f16");
    short[] toBf16 = V.shorts("to_bf16");
    short[] toF16 = V.shorts("to_f16");
    assertExact("Bf16.round", INPUTS.length, i -> bf16[toBf16[i] & 0xFFFF],
        i -> Float.floatToRawIntBits(Bf16.round(input(i))), i -> INPUTS[i]);
    assertExact("F16.round", INPUTS.length, i -> f16[toF16[i] & 0xFFFF],
        i -> Float.floatToRawIntBits(F16.round(input(i))), i -> INPUTS[i]);
  }
}
