package vlmq.engine.nn;

/**
 * {@code w ⊙ x / sqrt(mean(x²) + ε)}, the T5/Qwen RMSNorm: the mean of squares is accumulated in double and rounded
 * to float like PyTorch's float32 reduction; the scale and the weight multiply in float, in HF's order.
 */
public record RmsNorm(float[] weight, float eps) implements Norm {
  @Override
  public int dim() {
    return weight.length;
  }

  @Override
  public void apply(float[] x, int n, float[] out) {
    int d = weight.length;
    for (int r = 0; r < n; r++) applyRow(x, r * d, out, r * d);
  }

  /** One row at {@code x[xOff, xOff + dim)}: also used per attention head (Qwen3 q_norm/k_norm). */
  public void applyRow(float[] x, int xOff, float[] out, int outOff) {
    int d = weight.length;
    double sum = 0;
    for (int i = 0; i < d; i++) sum += (double) x[xOff + i] * x[xOff + i];
    float variance = (float) (sum / d);
    float scale = (float) (1 / Math.sqrt(variance + eps));
    for (int i = 0; i < d; i++) out[outOff + i] = weight[i] * (x[xOff + i] * scale);
  }
}
