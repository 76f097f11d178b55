package vlmq.numeric;

/**
 * FP4 E2M1 codec with compressed-tensors' rounding ({@code cast_to_fp4}) and nibble packing
 * ({@code pack_fp4_to_uint8}), so NVFP4/MXFP4 weights come out byte-identical.
 *
 * <p>A code is {@code sign << 3 | index}; index 0..7 maps to 0, 0.5, 1, 1.5, 2, 3, 4, 6. The magnitude thresholds are
 * round-half-even on that grid: ≤0.25→0, <0.75→0.5, ≤1.25→1, <1.75→1.5, ≤2.5→2, <3.5→3, ≤5→4, above→6 (so ±Inf and
 * anything past 6 give ±6). Upstream multiplies the magnitude by {@code torch.sign(x)}, so a negative input that
 * rounds to zero becomes -0.0 (code 8) while -0.0 itself gives +0.0 (code 0, {@code sign(-0.0)} is +0). NaN is
 * undefined upstream (it multiplies uninitialised memory by {@code sign(NaN) = 0}); here it is code 0.
 */
public final class Fp4E2m1 {
  private static final float[] MAGNITUDES = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f};

  private Fp4E2m1() {}

  /** The 4-bit code (0..15) for {@code x}, thresholds applied to {@code x} exactly as given. */
  public static int fromFloat(float x) {
    if (Float.isNaN(x)) return 0;
    float a = Math.abs(x);
    int index;
    if (a <= 0.25f) index = 0;
    else if (a < 0.75f) index = 1;
    else if (a <= 1.25f) index = 2;
    else if (a < 1.75f) index = 3;
    else if (a <= 2.5f) index = 4;
    else if (a < 3.5f) index = 5;
    else if (a <= 5f) index = 6;
    else index = 7;
    return (x < 0 ? 8 : 0) | index;
  }

  /** The value of a 4-bit code; code 8 is -0.0. */
  public static float toFloat(int code) {
    float magnitude = MAGNITUDES[code & 7];
    return (code & 8) != 0 ? -magnitude : magnitude;
  }

  /** One packed byte: the even-indexed element in the low nibble, the odd one in the high nibble. */
  public static byte pack(int evenCode, int oddCode) {
    return (byte) ((evenCode & 0xF) | (oddCode & 0xF) << 4);
  }

  /** The even-indexed element's code (low nibble) of a packed byte. */
  public static int evenCode(byte packed) {
    return packed & 0xF;
  }

  /** The odd-indexed element's code (high nibble) of a packed byte. */
  public static int oddCode(byte packed) {
    return (packed >>> 4) & 0xF;
  }
}
