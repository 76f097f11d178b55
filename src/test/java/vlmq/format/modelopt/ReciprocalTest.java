package vlmq.format.modelopt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import vlmq.numeric.DType;

class ReciprocalTest {
  /** 1.75: the plain reciprocal of the reciprocal is 1.7499999, and no f32 near 1/1.75 has 1.75 as its reciprocal. */
  @Test
  void noF32HasSomeBf16ValuesAsItsReciprocal() {
    assertThat(1f / (1f / 1.75f)).isEqualTo(1.7499999f);
    int r = Float.floatToRawIntBits(1f / 1.75f);
    for (int d = -4; d <= 4; d++) assertThat(1f / Float.intBitsToFloat(r + d)).isNotEqualTo(1.75f);
    assertThat(Reciprocal.toCompressedTensors(Reciprocal.toModelOpt(1.75f), DType.BF16)).isEqualTo(1.75f);
  }

  /** Every positive normal bf16 and f16 value (compressed-tensors' global scales) survives CT → ModelOpt → CT. */
  @Test
  void everyBf16AndF16GlobalScaleComesBackExactly() {
    int checked = 0;
    for (int bits = 0x0080; bits < 0x7F80; bits++) {
      float g = Float.intBitsToFloat(bits << 16);
      float x = Reciprocal.toModelOpt(g);
      if (x < Float.MIN_NORMAL) continue; // the reciprocal of the largest bf16 values is an f32 subnormal
      assertThat(Float.floatToRawIntBits(Reciprocal.toCompressedTensors(x, DType.BF16))).as("g = %s", g)
          .isEqualTo(bits << 16);
      checked++;
    }
    for (short h = 0x0400; h < 0x7C00; h++) {
      float g = Float.float16ToFloat(h);
      assertThat(Reciprocal.toCompressedTensors(Reciprocal.toModelOpt(g), DType.F16)).as("g = %s", g).isEqualTo(g);
      checked++;
    }
    assertThat(checked).isGreaterThan(32_000 + 30_000);
  }

  /**
   * A ModelOpt value (any f32) keeps its full precision on the way to compressed-tensors: the result is its plain
   * reciprocal or a bf16 value whose reciprocal is that very f32.
   */
  @Test
  void modelOptValuesAreNotRoundedToBf16() {
    var random = new SplittableRandom(1234);
    int rounded = 0;
    for (int i = 0; i < 200_000; i++) {
      float x = Float.intBitsToFloat(random.nextInt(0x01000000, 0x7E000000));
      float g = Reciprocal.toCompressedTensors(x, DType.BF16);
      if (g == 1f / x) continue;
      assertThat(Reciprocal.toModelOpt(g)).isEqualTo(x);
      rounded++;
    }
    assertThat(rounded).isLessThan(200);
  }
}
