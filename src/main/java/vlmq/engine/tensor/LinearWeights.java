package vlmq.engine.tensor;

/**
 * A weight matrix {@code [rows = out features, cols = in features]} as a Linear layer uses it, whatever its storage:
 * {@link DenseWeights} reads bf16/f16/f32 and {@link QuantizedWeights} the compressed-tensors/ModelOpt codes straight
 * from the mmapped checkpoint, so the model code never knows which ({@link Weights#linear} picks).
 */
public interface LinearWeights {
  /** Output features. */
  int rows();

  /** Input features. */
  int cols();

  /**
   * {@code out[r·rows() + o] = Σ_i x[r·cols() + i] · W[o, i]} for every activation row {@code r < n}: PyTorch's
   * {@code x @ W.T}. The output rows are split over {@link Parallel}'s threads.
   */
  void matmul(float[] x, int n, float[] out);

  /** Row {@code row} of W as float32 into {@code dst[off, off + cols())}: embedding lookups. */
  void readRow(int row, float[] dst, int off);
}
