package vlmq.quant;

import java.lang.foreign.MemorySegment;
import vlmq.numeric.DType;
import vlmq.numeric.Kernels;

/**
 * Minimum and maximum of a whole weight (or of a fused group of weights), the statistic per-tensor FP8/INT scales
 * and NVFP4's global scale are computed from. Values are exact elements of the source, as torch's
 * {@code aminmax} returns them in the model dtype; NaN propagates.
 */
public record TensorStats(float min, float max) {
  /** For strategies that need no tensor-wide statistic. */
  public static final TensorStats NONE = new TensorStats(0f, 0f);

  /**
   * {@code max(|min(min, 0)|, |max(max, 0)|)}: compressed-tensors clamps both to include 0 before taking
   * magnitudes.
   */
  public float absMax() {
    return Math.max(Math.abs(Math.min(min, 0f)), Math.abs(Math.max(max, 0f)));
  }

  /**
   * The statistic of a fused group (q/k/v, gate/up): llm-compressor gives its members one global scale from the
   * largest magnitude over all of them.
   */
  public static TensorStats union(TensorStats... members) {
    float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
    for (TensorStats s : members) {
      min = Math.min(min, s.min);
      max = Math.max(max, s.max);
    }
    return new TensorStats(min, max);
  }

  /** One pass over a {@code [rows, cols]} weight of {@code dtype} (row-major, little-endian), O(cols) heap. */
  public static TensorStats measure(MemorySegment src, DType dtype, long rows, long cols) {
    ModelDType model = ModelDType.of(dtype);
    Kernels kernels = Kernels.get();
    float[] row = model == ModelDType.BF16 ? null : new float[Math.toIntExact(cols)];
    float[] rowMinMax = new float[2];
    float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
    for (long r = 0; r < rows; r++) {
      long offset = r * cols * model.bytes();
      if (row == null) {
        kernels.bf16MinMax(src, offset, (int) cols, rowMinMax);
      } else {
        model.read(kernels, src, offset, row, row.length);
        kernels.minMax(row, 0, row.length, rowMinMax);
      }
      min = Math.min(min, rowMinMax[0]);
      max = Math.max(max, rowMinMax[1]);
    }
    return new TensorStats(min, max);
  }
}
