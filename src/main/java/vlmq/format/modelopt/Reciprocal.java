package vlmq.format.modelopt;

/**
 * Reciprocals that survive a round trip. NVFP4's tensor-wide scales are stored inverted between the formats:
 * compressed-tensors keeps the quantization scale ({@code weight_global_scale = 448·6 / amax}), ModelOpt the
 * dequantization scale ({@code weight_scale_2 = amax / (448·6)}). The plain f32 {@code 1/(1/g)} is not {@code g} for
 * about one f32 in five (bf16-representable ones included, e.g. 1.75), so the way to ModelOpt picks, among the f32
 * values next to {@code 1/g}, the one nearest to {@code 1/g} whose own f32 reciprocal is exactly {@code g}; the way
 * back is the plain f32 {@code 1/x}. Both scales still agree to within one f32 ulp.
 */
public final class Reciprocal {
  private static final int NEIGHBOURS = 2;

  private Reciprocal() {}

  /**
   * The f32 nearest to {@code 1/g} among those {@code x} with {@code 1f / x == g} (bitwise), searched within two
   * ulps of the rounded reciprocal; the rounded reciprocal itself when none is (callers compare
   * {@code inverse(result)} with {@code g} to tell).
   */
  public static float invertible(float g) {
    float r = 1f / g;
    if (!Float.isFinite(r) || r == 0f || !Float.isFinite(g)) return r;
    float best = r;
    double bestError = Double.POSITIVE_INFINITY;
    int bits = Float.floatToRawIntBits(r);
    for (int d = -NEIGHBOURS; d <= NEIGHBOURS; d++) {
      float x = Float.intBitsToFloat(bits + d);
      if (Float.floatToRawIntBits(inverse(x)) != Float.floatToRawIntBits(g)) continue;
      double error = Math.abs((double) x * g - 1.0);
      if (error < bestError) {
        best = x;
        bestError = error;
      }
    }
    return best;
  }

  /** The plain f32 reciprocal, {@code 1f / x}. */
  public static float inverse(float x) {
    return 1f / x;
  }
}
