package vlmq.quant;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.TensorRole;
import vlmq.recipe.QuantType;
import vlmq.recipe.Strategy;

/**
 * Quantizes one Linear weight {@code [rows, cols]} (row-major, little-endian BF16/F16/F32 in a
 * {@link MemorySegment}) into the tensors of its {@link LinearLayout}, byte-identical to what llm-compressor's
 * data-free path and compressed-tensors 0.18 write for a model on CPU.
 *
 * <p>Streaming: rows are read and written one band at a time (one row, or one block of rows for FP8_BLOCK), so heap
 * use is O(cols) whatever the tensor size. Row ranges that start and end on {@link #rowAlignment()} (or at
 * {@code rows}) touch disjoint bytes of every output and may run on different threads:
 * <pre>
 *   LinearLayout layout = LinearLayout.of(prefix, format, weights, dtype, rows, cols);   // declare layout.tensors()
 *   WeightQuantizer q = WeightQuantizer.of(layout);
 *   TensorStats stats = q.needsTensorStats() ? TensorStats.measure(src, dtype, rows, cols) : TensorStats.NONE;
 *   q.quantizeRows(src, stats, r0, r1, outputs);   // for row ranges covering [0, rows)
 * </pre>
 * {@code outputs} maps every role of the layout to that tensor's whole segment (of {@code byteSize()} bytes);
 * a call writes the rows' part of each, and the call whose range starts at row 0 also writes the tensor-wide
 * outputs ({@code weight_shape}, {@code weight_global_scale}, a per-tensor {@code weight_scale}). For NVFP4 q/k/v
 * or gate/up, pass every member the same {@code TensorStats.union(...)} of the members' stats.
 */
public sealed interface WeightQuantizer permits GridQuantizer {

  /** The quantizer for a layout made by {@link LinearLayout#of}. */
  static WeightQuantizer of(LinearLayout layout) {
    var w = layout.weights();
    if (w.type() == QuantType.INT) return new IntQuantizer(layout);
    if (w.isMx()) return new MxQuantizer(layout);
    if (w.strategy() == Strategy.TENSOR_GROUP) return new Nvfp4Quantizer(layout);
    return new Fp8Quantizer(layout);
  }

  LinearLayout layout();

  /** True when {@link #quantizeRows} needs real {@link TensorStats} (per-tensor scales, NVFP4 global scale). */
  boolean needsTensorStats();

  /**
   * Row ranges must start at a multiple of this (and end at one, or at {@code rows}): the FP8_BLOCK block height,
   * the rows sharing a word of a dim-0-packed zero point, else 1.
   */
  int rowAlignment();

  /** Quantizes rows {@code [r0, r1)} into {@code outputs}; see the class comment for the contract. */
  void quantizeRows(MemorySegment src, TensorStats stats, long r0, long r1, Map<TensorRole, MemorySegment> outputs);

  /** Quantizes the whole weight in one thread: the stats pass when needed, then all rows. */
  default void quantize(MemorySegment src, Map<TensorRole, MemorySegment> outputs) {
    LinearLayout l = layout();
    TensorStats stats = needsTensorStats() ? TensorStats.measure(src, l.weightDtype(), l.rows(), l.cols())
        : TensorStats.NONE;
    quantizeRows(src, stats, 0, l.rows(), outputs);
  }
}
