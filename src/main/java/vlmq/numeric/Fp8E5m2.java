package vlmq.numeric;

/**
 * FP8 E5M2 codec ({@code torch.float8_e5m2}, safetensors {@code F8_E5M2}), bit-identical to PyTorch's
 * {@code c10::detail::fp8e5m2_from_fp32_value}.
 *
 * <p>E5M2 is the top byte of an IEEE binary16: sign, 5 exponent bits (bias 15), 2 mantissa bits, with infinities.
 * Largest finite value 57344; rounding is to nearest, ties to even, so values from 61440 up overflow to ±Inf
 * ({@code 0x7C}); NaN becomes {@code 0x7F} with the input's sign.
 */
public final class Fp8E5m2 {
  /** Largest finite magnitude. */
  public static final float MAX = 57344f;

  private static final int F32_65536 = 143 << 23;
  private static final int F32_MIN_NORMAL = 113 << 23; // 2^-14
  // 2^7: its f32 ulp is 2^-16, the E5M2 subnormal step.
  private static final int SUBNORMAL_MAGIC = 134 << 23;

  private Fp8E5m2() {}

  /** The E5M2 code nearest to {@code x}. */
  public static byte fromFloat(float x) {
    int bits = Float.floatToRawIntBits(x);
    int sign = (bits >>> 24) & 0x80;
    int abs = bits & 0x7FFFFFFF;
    int code;
    if (abs > 0x7F800000) {
      code = 0x7F;
    } else if (abs >= F32_65536) {
      code = 0x7C;
    } else if (abs < F32_MIN_NORMAL) {
      float magic = Float.intBitsToFloat(SUBNORMAL_MAGIC);
      code = Float.floatToRawIntBits(Float.intBitsToFloat(abs) + magic) - SUBNORMAL_MAGIC;
    } else {
      int keptLsb = (abs >>> 21) & 1;
      code = (abs + ((15 - 127) << 23) + 0xFFFFF + keptLsb) >>> 21;
    }
    return (byte) (sign | code);
  }

  /** The exact f32 value of an E5M2 code (decoded as the binary16 it is the top byte of). */
  public static float toFloat(byte code) {
    return F16.toFloat((short) ((code & 0xFF) << 8));
  }
}
