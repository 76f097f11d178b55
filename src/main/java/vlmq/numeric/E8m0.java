package vlmq.numeric;

/**
 * E8M0 codec ({@code torch.float8_e8m0fnu}, safetensors {@code F8_E8M0}): an unsigned power-of-two exponent, the
 * OCP MX block-scale type. Bit-identical to PyTorch's {@code c10::detail::fp8e8m0fnu_from_fp32_value} and
 * {@code Float8_e8m0fnu::operator float}.
 *
 * <p>Code {@code e} is 2^(e-127); {@code 0x00} is 2^-127 (an f32 subnormal), {@code 0xFF} is NaN. Encoding ignores
 * the sign, keeps the f32 exponent and rounds up when the mantissa fraction is at least one half (1.5·2^k rounds to
 * 2^(k+1); for f32 subnormals only a fraction above one half rounds up). NaN and ±Inf encode as NaN, and so does
 * anything that rounds up past 2^127.
 *
 * <p>compressed-tensors' MX scales ({@code weight_scale}, uint8) are written as {@code 127 + floor(log2(scale))} of a
 * scale that is already a power of two; for those {@link #fromFloat} gives the same byte, because an exact power
 * of two has no mantissa to round.
 */
public final class E8m0 {
  /** The NaN code. */
  public static final byte NAN = (byte) 0xFF;

  private E8m0() {}

  /** The E8M0 code for {@code x}, rounded as torch does. */
  public static byte fromFloat(float x) {
    int bits = Float.floatToRawIntBits(x);
    int exponent = (bits >>> 23) & 0xFF;
    if (exponent == 0xFF) return NAN;
    boolean guard = (bits & 0x400000) != 0;
    boolean roundOrSticky = (bits & 0x3FFFFF) != 0;
    boolean impliedOne = exponent != 0;
    // Round-half-even with the implied bit as LSB: a normal number's exact half rounds up, a subnormal's down.
    if (guard && (roundOrSticky || impliedOne)) exponent++;
    return (byte) exponent;
  }

  /** The value of an E8M0 code: 2^(code-127); 0x00 is 2^-127, 0xFF is NaN (f32 bits 0x7F800001, as torch). */
  public static float toFloat(byte code) {
    int e = code & 0xFF;
    if (e == 0) return Float.intBitsToFloat(0x00400000);
    if (e == 0xFF) return Float.intBitsToFloat(0x7F800001);
    return Float.intBitsToFloat(e << 23);
  }
}
