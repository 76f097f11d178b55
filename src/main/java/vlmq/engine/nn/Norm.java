package vlmq.engine.nn;

/** A per-row normalisation over the last dimension (RMSNorm or LayerNorm), as the model's config picks it. */
public sealed interface Norm permits RmsNorm, LayerNorm {
  /** Width of a row. */
  int dim();

  /** Normalises {@code n} rows of {@code x} into {@code out} (which may be {@code x}). */
  void apply(float[] x, int n, float[] out);
}
