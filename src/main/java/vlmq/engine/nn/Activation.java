package vlmq.engine.nn;

import vlmq.VlmqException;

/** The element-wise activations of the Qwen-VL family, by their transformers {@code hidden_act} names. */
public enum Activation {
  /** {@code x·σ(x)}: text MLPs and the Qwen2.5-VL vision MLP. */
  SILU,
  /** Exact {@code x·Φ(x)} ({@code nn.GELU()}): every Qwen merger. */
  GELU,
  /** The tanh approximation ({@code gelu_pytorch_tanh}): the Qwen3-VL vision MLP. */
  GELU_TANH,
  /** {@code x·σ(1.702x)}: the Qwen2-VL vision MLP. */
  QUICK_GELU;

  private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
  private static final double INV_SQRT_2 = 1 / Math.sqrt(2);

  /** The activation config.json's {@code hidden_act} names. */
  public static Activation of(String hiddenAct) {
    return switch (hiddenAct) {
      case "silu", "swish" -> SILU;
      case "gelu" -> GELU;
      case "gelu_pytorch_tanh", "gelu_new" -> GELU_TANH;
      case "quick_gelu" -> QUICK_GELU;
      default -> throw new VlmqException("hidden_act '" + hiddenAct + "' is not supported by the engine (it runs "
          + "silu, gelu, gelu_pytorch_tanh and quick_gelu)");
    };
  }

  public float apply(float x) {
    return switch (this) {
      case SILU -> x / (1f + (float) Math.exp(-x));
      case GELU -> (float) (0.5 * x * erfc(-x * INV_SQRT_2));
      case GELU_TANH -> (float) (0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))));
      case QUICK_GELU -> x / (1f + (float) Math.exp(-1.702f * x));
    };
  }

  /** Applies the activation to {@code x[0, n)} in place. */
  public void apply(float[] x, int n) {
    for (int i = 0; i < n; i++) x[i] = apply(x[i]);
  }

  /**
   * The complementary error function with relative error below 1.2e-7 everywhere (Numerical Recipes' Chebyshev
   * fit), so {@code x·Φ(x) = x·erfc(−x/√2)/2} keeps float precision in both tails, where {@code 1 + erf} would
   * not.
   */
  static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
        + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
  }
}
