package vlmq.quant;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Map;
import vlmq.format.compressedtensors.LayoutTensor;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.numeric.Kernels;
import vlmq.recipe.Strategy;

/**
 * The row loop shared by every weight quantizer: which elements share a scale (the scale grid of the strategy)
 * and the order rows are read in. Per scale unit it hands the unit's min/max to the scheme's {@link Encoder},
 * then each row's values:
 * <pre>
 *   tensor        one unit, from the tensor statistic                  (scale written once, by the row-0 call)
 *   channel       one unit per row                                     (min/max of the row)
 *   group         cols/gs units per row                                (min/max of each group)
 *   tensor_group  as group, plus the tensor statistic for the global scale
 *   block         ceil(cols/bw) units per band of bh rows              (two passes over the band: min/max, then codes;
 *                 rows/cols past the edge count as the zero padding compressed-tensors adds)
 * </pre>
 * Min/max are exact source values; compressed-tensors clamps them to include 0 before use, so the zero padding
 * of partial blocks changes nothing. Symmetric schemes (all but asymmetric INT) only use the larger magnitude of
 * that range, so they get the range [0, absmax] from the cheaper {@link Kernels#absMaxGroups}: the same scales.
 */
abstract sealed class GridQuantizer implements WeightQuantizer permits Fp8Quantizer, IntQuantizer, Nvfp4Quantizer,
    MxQuantizer {
  final LinearLayout layout;
  final Kernels kernels;
  final ModelDType model;
  final Strategy strategy;
  final long rows;
  final int cols;
  /** Columns sharing one scale within a row. */
  final int unitCols;
  /** Scales per row (per band for blocks). */
  final int units;
  /** Rows sharing one row of scales: the block height, else 1. */
  final int bandRows;
  final boolean symmetric;

  GridQuantizer(LinearLayout layout, Kernels kernels) {
    this.layout = layout;
    this.kernels = kernels;
    this.model = ModelDType.of(layout.weightDtype());
    this.strategy = layout.weights().strategy();
    this.rows = layout.rows();
    this.cols = Math.toIntExact(layout.cols());
    this.unitCols = switch (strategy) {
      case GROUP, TENSOR_GROUP -> layout.weights().groupSize();
      case BLOCK -> layout.weights().blockCols();
      default -> cols;
    };
    this.units = Math.ceilDiv(cols, unitCols);
    this.bandRows = strategy == Strategy.BLOCK ? layout.weights().blockRows() : 1;
    this.symmetric = layout.weights().symmetric();
  }

  /**
   * The per-call state and output writing of one scheme; an encoder is used by one thread. Row and scale-row
   * numbers count from the start of the call's window.
   */
  interface Encoder {
    /** Writes the outputs that do not depend on rows; called once, by the call that starts at row 0. */
    void tensorWide();

    /**
     * Sets (and writes as row {@code scaleRow} of the scale window) the scales of the units' ranges
     * {@code [min, max]}; for symmetric schemes {@code min} is all 0 and {@code max} the absmax.
     */
    void scales(float[] min, float[] max, long scaleRow);

    /** Quantizes and writes row {@code r} of the window, with the scales last set; may overwrite {@code x}. */
    void row(float[] x, long r);
  }

  /**
   * A new encoder writing into the windows {@code out} of {@code windowRows} rows; for strategy tensor it also fixes
   * the scale from {@code stats}.
   */
  abstract Encoder encoder(TensorStats stats, Map<LinearParam, MemorySegment> out, long windowRows);

  @Override
  public LinearLayout layout() {
    return layout;
  }

  @Override
  public boolean needsTensorStats() {
    return strategy == Strategy.TENSOR || strategy == Strategy.TENSOR_GROUP;
  }

  @Override
  public int rowAlignment() {
    return bandRows;
  }

  @Override
  public void quantizeWindow(MemorySegment src, TensorStats stats, long r0, long r1,
      Map<LinearParam, MemorySegment> windows) {
    check(src, stats, r0, r1, windows);
    Encoder enc = encoder(stats, windows, r1 - r0);
    if (r0 == 0) enc.tensorWide();
    float[] x = new float[cols];
    float[] min = new float[units];
    float[] max = new float[units];
    float[] rowMin = strategy == Strategy.BLOCK ? new float[units] : min;
    float[] rowMax = strategy == Strategy.BLOCK ? new float[units] : max;
    long rowBytes = (long) cols * model.bytes();
    for (long b0 = r0; b0 < r1; b0 += bandRows) {
      long b1 = Math.min(b0 + bandRows, rows);
      if (strategy == Strategy.BLOCK) {
        Arrays.fill(min, Float.POSITIVE_INFINITY);
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        for (long r = b0; r < b1; r++) {
          model.read(kernels, src, (r - r0) * rowBytes, x, cols);
          unitRanges(x, rowMin, rowMax);
          for (int u = 0; u < units; u++) {
            min[u] = Math.min(min[u], rowMin[u]);
            max[u] = Math.max(max[u], rowMax[u]);
          }
        }
        enc.scales(min, max, (b0 - r0) / bandRows);
      }
      for (long r = b0; r < b1; r++) {
        model.read(kernels, src, (r - r0) * rowBytes, x, cols);
        if (strategy != Strategy.BLOCK && strategy != Strategy.TENSOR) {
          unitRanges(x, min, max);
          enc.scales(min, max, r - r0);
        }
        enc.row(x, r - r0);
      }
    }
  }

  /** Each unit's range in row {@code x}: min/max, or [0, absmax] for symmetric schemes ({@code min} is all 0). */
  private void unitRanges(float[] x, float[] min, float[] max) {
    if (symmetric) kernels.absMaxGroups(x, 0, cols, unitCols, max);
    else kernels.minMaxGroups(x, 0, cols, unitCols, min, max);
  }

  /** {@code max(|min(mn, 0)|, |max(mx, 0)|)}, exact in the model dtype. */
  static float absMax(float mn, float mx) {
    return Math.max(Math.abs(Math.min(mn, 0f)), Math.abs(Math.max(mx, 0f)));
  }

  /** {@code torch.clamp}: NaN stays NaN. */
  static float clamp(float v, float lo, float hi) {
    return v < lo ? lo : v > hi ? hi : v;
  }

  private void check(MemorySegment src, TensorStats stats, long r0, long r1, Map<LinearParam, MemorySegment> out) {
    String what = layout.prefix() + ".weight";
    if (needsTensorStats() && stats == TensorStats.NONE)
      throw new IllegalArgumentException(what + ": strategy " + strategy.json() + " needs TensorStats.measure(...)");
    int align = rowAlignment();
    if (r0 < 0 || r1 > rows || r0 > r1 || r0 % align != 0 || (r1 % align != 0 && r1 != rows))
      throw new IllegalArgumentException(what + ": row range [" + r0 + ", " + r1 + ") is not within [0, " + rows
          + ") on multiples of " + align);
    long need = (r1 - r0) * cols * model.bytes();
    if (src.byteSize() < need)
      throw new IllegalArgumentException(what + ": source holds " + src.byteSize() + " bytes, rows [" + r0 + ", " + r1
          + ") need " + need);
    for (LayoutTensor t : layout.tensors()) {
      MemorySegment seg = out.get(t.param());
      long bytes = layout.bytesOf(t.param(), r0, r1).size();
      if (seg == null || seg.byteSize() < bytes)
        throw new IllegalArgumentException(t.name() + ": no output segment of " + bytes + " bytes for rows [" + r0
            + ", " + r1 + ")");
    }
  }
}
