package vlmq.engine.nn;

/**
 * Rotary position embedding in the half-split layout ({@code rotate_half}: dimension i pairs with i + d/2), with
 * frequencies and angles rounded to float32 exactly where transformers rounds them, so angles at large positions
 * agree with PyTorch's rather than drifting by {@code position · 2⁻²⁴}.
 */
public final class Rope {
  private Rope() {}

  /**
   * {@code 1 / θ^(2j/dim)} for {@code j < dim/2}, as {@code 1.0 / (base ** (torch.arange(0, dim, 2,
   * dtype=torch.float) / dim))}: exponent and power in float32.
   */
  public static float[] inverseFrequencies(double theta, int dim) {
    float[] inv = new float[dim / 2];
    float base = (float) theta;
    for (int j = 0; j < inv.length; j++) {
      float exponent = (float) (2 * j) / dim;
      inv[j] = 1f / (float) Math.pow(base, exponent);
    }
    return inv;
  }

  /**
   * Rotates {@code x[off, off + dim)} in place: {@code x·cos + rotate_half(x)·sin}, each product rounded to float as
   * PyTorch's element-wise ops do; {@code cos}/{@code sin} hold {@code dim} values from {@code csOff}.
   */
  public static void rotate(float[] x, int off, int dim, float[] cos, float[] sin, int csOff) {
    int half = dim / 2;
    for (int i = 0; i < half; i++) {
      float a = x[off + i];
      float b = x[off + half + i];
      float ca = a * cos[csOff + i];
      float sb = -b * sin[csOff + i];
      float cb = b * cos[csOff + half + i];
      float sa = a * sin[csOff + half + i];
      x[off + i] = ca + sb;
      x[off + half + i] = cb + sa;
    }
  }
}
