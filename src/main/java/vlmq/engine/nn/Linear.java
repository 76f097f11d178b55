package vlmq.engine.nn;

import vlmq.engine.tensor.LinearWeights;

/**
 * {@code torch.nn.Linear}: {@code y = x·Wᵀ + b}.
 *
 * @param bias {@code null} when the layer has none
 */
public record Linear(LinearWeights weights, float[] bias) {
  public Linear {
    if (bias != null && bias.length != weights.rows()) {
      throw new IllegalArgumentException("bias has " + bias.length + " values for " + weights.rows() + " outputs");
    }
  }

  public int in() {
    return weights.cols();
  }

  public int out() {
    return weights.rows();
  }

  /** {@code out[n, out()] = x[n, in()]·Wᵀ + b}. */
  public void forward(float[] x, int n, float[] out) {
    weights.matmul(x, n, out);
    if (bias == null) return;
    int d = bias.length;
    for (int r = 0; r < n; r++) {
      for (int i = 0; i < d; i++) out[r * d + i] += bias[i];
    }
  }
}
