package vlmq.engine.nn;

/**
 * {@code (x − μ) / sqrt(σ² + ε) · w + b} with the biased variance, as {@code torch.nn.LayerNorm}: the Qwen2-VL
 * and Qwen3-VL vision blocks and mergers. Mean and variance are accumulated in double.
 */
public record LayerNorm(float[] weight, float[] bias, float eps) implements Norm {
  public LayerNorm {
    if (weight.length != bias.length) {
      throw new IllegalArgumentException("LayerNorm weight and bias differ in size: " + weight.length + " vs "
          + bias.length);
    }
  }

  @Override
  public int dim() {
    return weight.length;
  }

  @Override
  public void apply(float[] x, int n, float[] out) {
    int d = weight.length;
    for (int r = 0; r < n; r++) {
      int off = r * d;
      double sum = 0;
      for (int i = 0; i < d; i++) sum += x[off + i];
      double mean = sum / d;
      double squares = 0;
      for (int i = 0; i < d; i++) squares += (x[off + i] - mean) * (x[off + i] - mean);
      float meanF = (float) mean;
      float scale = (float) (1 / Math.sqrt((float) (squares / d) + eps));
      for (int i = 0; i < d; i++) out[off + i] = (x[off + i] - meanF) * scale * weight[i] + bias[i];
    }
  }
}
