package vlmq.numeric;

/**
 * IEEE binary16 codec, bit-identical to PyTorch's {@code tensor.to(torch.float16)} and back on x86.
 *
 * <p>Non-NaN values use the JDK's correctly rounded conversions. NaN is handled here because the JDK's result
 * depends on whether the call was intrinsified: torch (F16C semantics) keeps the sign and the top payload bits and
 * sets the quiet bit in both directions.
 */
public final class F16 {
  private F16() {}

  /** The binary16 bit pattern nearest to {@code x} (ties to even; overflow to Inf; NaN quieted). */
  public static short fromFloat(float x) {
    if (Float.isNaN(x)) {
      int bits = Float.floatToRawIntBits(x);
      return (short) (((bits >>> 16) & 0x8000) | 0x7E00 | ((bits >>> 13) & 0x3FF));
    }
    return Float.floatToFloat16(x);
  }

  /** The exact f32 value of a binary16 bit pattern (NaN: quiet, payload shifted up). */
  public static float toFloat(short f16) {
    int h = f16 & 0xFFFF;
    if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0) {
      return Float.intBitsToFloat(((h & 0x8000) << 16) | 0x7FC00000 | ((h & 0x3FF) << 13));
    }
    return Float.float16ToFloat(f16);
  }

  /** {@code x} rounded to binary16 and widened back. */
  public static float round(float x) {
    return toFloat(fromFloat(x));
  }
}
