package vlmq.numeric;

/**
 * bfloat16 codec, bit-identical to PyTorch's {@code c10::BFloat16} conversion so that values we round match the
 * values a bf16 model computes with.
 *
 * <p>Finite values and infinities round to nearest, ties to even. Every NaN encodes as the canonical quiet NaN
 * {@code 0x7FC0} (sign and payload dropped), as {@code c10::BFloat16(float)} does and as torch's arithmetic results
 * are. Only torch's x86 vectorised {@code .to(torch.bfloat16)} copy differs: it writes {@code 0xFFFF} for NaN.
 */
public final class Bf16 {
  /** Canonical NaN written for every NaN input. */
  public static final short NAN = (short) 0x7FC0;

  private Bf16() {}

  /** The bf16 bit pattern nearest to {@code x} (ties to even). */
  public static short fromFloat(float x) {
    if (Float.isNaN(x)) return NAN;
    int bits = Float.floatToRawIntBits(x);
    // Adding 0x7FFF plus the kept LSB carries into bit 16 exactly when the dropped half is above, or at a tie
    // with an odd kept part: round-half-even on the top 16 bits. Overflow carries into the exponent: Inf.
    int keptLsb = (bits >>> 16) & 1;
    return (short) ((bits + 0x7FFF + keptLsb) >>> 16);
  }

  /** The exact f32 value of a bf16 bit pattern (NaN payloads kept bit for bit). */
  public static float toFloat(short bf16) {
    return Float.intBitsToFloat((bf16 & 0xFFFF) << 16);
  }

  /** {@code x} rounded to bf16 and widened back: what torch stores when a bf16 op yields {@code x}. */
  public static float round(float x) {
    return toFloat(fromFloat(x));
  }
}
