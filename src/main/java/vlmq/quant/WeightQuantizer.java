package vlmq.quant;

import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.Map;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.numeric.Kernels;
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
 * {@code outputs} maps every parameter of the layout to that tensor's whole segment (of {@code byteSize()} bytes);
 * a call writes the rows' part of each, and the call whose range starts at row 0 also writes the tensor-wide
 * outputs ({@code weight_shape}, {@code weight_global_scale}, a per-tensor {@code weight_scale}). For NVFP4 q/k/v
 * or gate/up, pass every member the same {@code TensorStats.union(...)} of the members' stats.
 */
public sealed interface WeightQuantizer permits GridQuantizer {

  /** The quantizer for a layout made by {@link LinearLayout#of}. */
  static WeightQuantizer of(LinearLayout layout) {
    return of(layout, Kernels.get());
  }

  /** The quantizer for a layout, running its hot loops on {@code kernels} (all implementations give the same bytes). */
  static WeightQuantizer of(LinearLayout layout, Kernels kernels) {
    var w = layout.weights();
    if (w.type() == QuantType.INT) return new IntQuantizer(layout, kernels);
    if (w.isMx()) return new MxQuantizer(layout, kernels);
    if (w.strategy() == Strategy.TENSOR_GROUP) return new Nvfp4Quantizer(layout, kernels);
    return new Fp8Quantizer(layout, kernels);
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
  default void quantizeRows(MemorySegment src, TensorStats stats, long r0, long r1,
      Map<LinearParam, MemorySegment> outputs) {
    LinearLayout l = layout();
    long rowBytes = l.weightDtype().byteSize(l.cols());
    if (src.byteSize() < l.rows() * rowBytes) {
      throw new IllegalArgumentException(l.prefix() + ".weight: source holds " + src.byteSize()
          + " bytes, the weight needs " + l.rows() * rowBytes);
    }
    // A range quantizeWindow refuses still gets (empty) windows, so its error is the one reported.
    long first = Math.clamp(r0, 0, l.rows());
    long end = Math.clamp(r1, first, l.rows());
    Map<LinearParam, MemorySegment> windows = new EnumMap<>(LinearParam.class);
    for (var t : l.tensors()) {
      MemorySegment whole = outputs.get(t.param());
      if (whole == null || whole.byteSize() < t.byteSize())
        throw new IllegalArgumentException(t.name() + ": no output segment of " + t.byteSize() + " bytes");
      var bytes = l.bytesOf(t.param(), first, end);
      windows.put(t.param(), whole.asSlice(bytes.from(), bytes.size()));
    }
    quantizeWindow(src.asSlice(first * rowBytes, (end - first) * rowBytes), stats, r0, r1, windows);
  }

  /**
   * As {@link #quantizeRows}, but on windows, so a caller can stream a row range through small buffers:
   * {@code srcRows} holds only rows {@code [r0, r1)} of the weight, each {@link LinearLayout#rowWise} output only the
   * rows' bytes ({@code windows.get(p)} byte 0 is byte {@code layout().rowOffset(p, r0)} of the tensor); tensor-wide
   * outputs are whole and written when {@code r0 == 0}.
   */
  void quantizeWindow(MemorySegment srcRows, TensorStats stats, long r0, long r1,
      Map<LinearParam, MemorySegment> windows);

  /** Quantizes the whole weight in one thread: the stats pass when needed, then all rows. */
  default void quantize(MemorySegment src, Map<LinearParam, MemorySegment> outputs) {
    LinearLayout l = layout();
    TensorStats stats = needsTensorStats() ? TensorStats.measure(src, l.weightDtype(), l.rows(), l.cols())
        : TensorStats.NONE;
    quantizeRows(src, stats, 0, l.rows(), outputs);
  }
}
