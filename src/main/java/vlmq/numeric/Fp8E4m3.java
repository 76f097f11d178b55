package vlmq.numeric;

/**
 * FP8 E4M3FN codec ({@code torch.float8_e4m3fn}, safetensors {@code F8_E4M3}), bit-identical to PyTorch 2.13's
 * {@code c10::detail::fp8e4m3fn_from_fp32_value}.
 *
 * <p>Layout: sign, 4 exponent bits (bias 7), 3 mantissa bits; no infinities; {@code S.1111.111} is NaN, so the largest
 * finite value is 448 ({@code 0x7E}) and subnormals go down to 2^-9. Rounding is to nearest, ties to even. Finite
 * values that round past 448 and ±Inf saturate to ±448; NaN becomes {@code 0x7F} with the input's sign. PyTorch
 * releases before the saturating change wrote NaN for |x| ≥ 480 and for Inf; the quantization paths clamp to ±448
 * before casting, so their bytes do not depend on this.
 */
public final class Fp8E4m3 {
  /** Largest finite magnitude. */
  public static final float MAX = 448f;

  private static final int F32_480 = 0x43F00000;
  private static final int F32_MIN_NORMAL = 121 << 23; // 2^-6
  // 2^14: its f32 ulp is 2^-9, the E4M3 subnormal step, so adding it rounds (RNE) onto the subnormal grid.
  private static final int SUBNORMAL_MAGIC = 141 << 23;

  private Fp8E4m3() {}

  /** The E4M3FN code nearest to {@code x}. */
  public static byte fromFloat(float x) {
    int bits = Float.floatToRawIntBits(x);
    int sign = (bits >>> 24) & 0x80;
    int abs = bits & 0x7FFFFFFF;
    int code;
    if (abs > 0x7F800000) {
      code = 0x7F;
    } else if (abs >= F32_480) {
      code = 0x7E;
    } else if (abs < F32_MIN_NORMAL) {
      float magic = Float.intBitsToFloat(SUBNORMAL_MAGIC);
      code = Float.floatToRawIntBits(Float.intBitsToFloat(abs) + magic) - SUBNORMAL_MAGIC;
    } else {
      // Rebias the exponent (127 -> 7) and round the 20 dropped mantissa bits half-even, as in Bf16.
      int keptLsb = (abs >>> 20) & 1;
      code = (abs + ((7 - 127) << 23) + 0x7FFFF + keptLsb) >>> 20;
      if (code == 0x7F) code = 0x7E; // (464, 480) rounds up into the NaN pattern: saturate
    }
    return (byte) (sign | code);
  }

  /** The exact f32 value of an E4M3FN code; NaN codes give sign | 0x7FF00000, as torch does. */
  public static float toFloat(byte code) {
    int b = code & 0xFF;
    int sign = (b & 0x80) << 24;
    int exponent = (b >>> 3) & 0xF;
    int mantissa = b & 7;
    if (exponent == 0xF && mantissa == 7) return Float.intBitsToFloat(sign | 0x7F800000 | mantissa << 20);
    if (exponent == 0) return Float.intBitsToFloat(sign | Float.floatToRawIntBits(mantissa * 0x1p-9f));
    return Float.intBitsToFloat(sign | (exponent + 120) << 23 | mantissa << 20);
  }
}
