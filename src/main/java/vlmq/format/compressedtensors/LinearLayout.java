package vlmq.format.compressedtensors;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import vlmq.VlmqException;
import vlmq.io.safetensors.TensorSpec;
import vlmq.numeric.DType;
import vlmq.recipe.CompressionFormat;
import vlmq.recipe.DynamicMode;
import vlmq.recipe.QuantType;
import vlmq.recipe.QuantizationArgs;
import vlmq.recipe.Strategy;
import vlmq.recipe.TorchDType;

/**
 * The tensors compressed-tensors 0.18 writes for one quantized Linear {@code prefix} with weight
 * {@code [rows=O, cols=I]} (spec §2.1–§2.6), in place of {@code prefix.weight}:
 * <pre>
 *   naive / int / float-quantized  weight  F8_E4M3 | I8 [O, I]           weight_scale  model dtype, shape by strategy
 *   pack-quantized                 weight_packed I32 [O, ceil(I·b/32)]   weight_scale  model dtype
 *                                  weight_shape I64 [2]
 *   nvfp4-pack-quantized           weight_packed U8 [O, I/2]             weight_scale  F8_E4M3 [O, I/16]
 *                                  weight_global_scale F32 [1]
 *   mxfp4-pack-quantized           weight_packed U8 [O, I/2]             weight_scale  U8 (E8M0) [O, I/32]
 *   mxfp8-quantized                weight F8_E4M3 [O, I]                 weight_scale  U8 (E8M0) [O, I/32]
 *
 *   scale shape:  tensor [1]   channel [O, 1]   group [O, I/gs]   block [ceil(O/bh), ceil(I/bw)]
 *   asymmetric:   weight_zero_point  pack-quantized group/channel: I32 [ceil(O·b/32), groups] packed along dim 0
 *                                    otherwise: I8 in the scale's shape
 * </pre>
 * The model dtype (BF16, F16 or F32) is the source weight's dtype. Combinations compressed-tensors cannot write
 * (partial groups, asymmetric floats, activation-ordered groups, …) are refused with a {@link VlmqException}.
 */
public record LinearLayout(String prefix, CompressionFormat format, QuantizationArgs weights, DType weightDtype,
    long rows, long cols, List<LayoutTensor> tensors) {

  public LinearLayout {
    tensors = List.copyOf(tensors);
  }

  /** The layout of {@code prefix} (a module path such as {@code model.layers.0.mlp.down_proj}). */
  public static LinearLayout of(String prefix, CompressionFormat format, QuantizationArgs weights, DType weightDtype,
      long rows, long cols) {
    String where = prefix + ".weight " + weightDtype + " [" + rows + ", " + cols + "]";
    check(where, format, weights, weightDtype, rows, cols);
    List<LayoutTensor> tensors = new ArrayList<>();
    long[] scaleShape = scaleShape(weights, rows, cols);
    switch (format) {
      case PACK_QUANTIZED -> {
        long words = IntPacking.words(cols, weights.numBits());
        tensors.add(tensor(prefix, LinearParam.WEIGHT_PACKED, DType.I32, rows, words));
        tensors.add(tensor(prefix, LinearParam.WEIGHT_SCALE, weightDtype, scaleShape));
        if (!weights.symmetric()) {
          if (weights.strategy() == Strategy.GROUP || weights.strategy() == Strategy.CHANNEL)
            tensors.add(tensor(prefix, LinearParam.WEIGHT_ZERO_POINT, DType.I32,
                IntPacking.words(scaleShape[0], weights.numBits()), scaleShape[1]));
          else tensors.add(tensor(prefix, LinearParam.WEIGHT_ZERO_POINT, DType.I8, scaleShape));
        }
        tensors.add(tensor(prefix, LinearParam.WEIGHT_SHAPE, DType.I64, 2));
      }
      case NVFP4_PACK_QUANTIZED -> {
        tensors.add(tensor(prefix, LinearParam.WEIGHT_PACKED, DType.U8, rows, cols / 2));
        tensors.add(tensor(prefix, LinearParam.WEIGHT_SCALE, DType.F8_E4M3, scaleShape));
        tensors.add(tensor(prefix, LinearParam.WEIGHT_GLOBAL_SCALE, DType.F32, 1));
      }
      case MXFP4_PACK_QUANTIZED -> {
        tensors.add(tensor(prefix, LinearParam.WEIGHT_PACKED, DType.U8, rows, cols / 2));
        tensors.add(tensor(prefix, LinearParam.WEIGHT_SCALE, DType.U8, scaleShape));
      }
      case MXFP8_QUANTIZED -> {
        tensors.add(tensor(prefix, LinearParam.WEIGHT, DType.F8_E4M3, rows, cols));
        tensors.add(tensor(prefix, LinearParam.WEIGHT_SCALE, DType.U8, scaleShape));
      }
      default -> { // naive, int-quantized, float-quantized: one code per element in pytorch_dtype()
        tensors.add(tensor(prefix, LinearParam.WEIGHT, weights.pytorchDtype().dtype(), rows, cols));
        tensors.add(tensor(prefix, LinearParam.WEIGHT_SCALE, weightDtype, scaleShape));
        if (!weights.symmetric()) tensors.add(tensor(prefix, LinearParam.WEIGHT_ZERO_POINT, DType.I8, scaleShape));
      }
    }
    return new LinearLayout(prefix, format, weights, weightDtype, rows, cols, tensors);
  }

  /** The specs to declare to the checkpoint writer, in parameter order. */
  public List<TensorSpec> specs() {
    return tensors.stream().map(LayoutTensor::spec).toList();
  }

  /**
   * The outputs a {@code WeightQuantizer} fills: each parameter's segment, looked up by tensor name (for example
   * {@code checkpointWriter::segment}).
   */
  public Map<LinearParam, MemorySegment> segments(Function<String, MemorySegment> byName) {
    Map<LinearParam, MemorySegment> out = new EnumMap<>(LinearParam.class);
    for (LayoutTensor t : tensors) out.put(t.param(), byName.apply(t.name()));
    return out;
  }

  /** The tensor of {@code param}. */
  public LayoutTensor get(LinearParam param) {
    for (LayoutTensor t : tensors) if (t.param() == param) return t;
    throw new IllegalArgumentException(prefix + " (" + format.json() + ") has no " + param.suffix());
  }

  public boolean has(LinearParam param) {
    return tensors.stream().anyMatch(t -> t.param() == param);
  }

  /**
   * True when rows of the weight own disjoint byte ranges of {@code param}'s tensor (codes, channel/group/block
   * scales and zero points); false for the tensor-wide ones ({@code weight_shape}, {@code weight_global_scale}, a
   * per-tensor scale or zero point).
   */
  public boolean rowWise(LinearParam param) {
    return switch (param) {
      case WEIGHT, WEIGHT_PACKED -> true;
      case WEIGHT_SCALE, WEIGHT_ZERO_POINT -> weights.strategy() != Strategy.TENSOR;
      case WEIGHT_GLOBAL_SCALE, WEIGHT_SHAPE -> false;
    };
  }

  /** Bytes {@code [from, to)} of a tensor. */
  public record ByteRange(long from, long to) {
    public long size() {
      return to - from;
    }
  }

  /**
   * The bytes of {@code param}'s tensor that a call for rows {@code [r0, r1)} writes: the rows' part of a
   * {@link #rowWise} parameter, else the whole (tensor-wide) tensor.
   */
  public ByteRange bytesOf(LinearParam param, long r0, long r1) {
    return rowWise(param) ? new ByteRange(rowOffset(param, r0), rowOffset(param, r1))
        : new ByteRange(0, get(param).byteSize());
  }

  /**
   * Where the bytes of weight row {@code row} begin in {@code param}'s tensor, for a {@link #rowWise} parameter and a
   * row on a row alignment boundary (a block height, a packed zero-point line) or {@code rows}, which gives the
   * tensor's size: rows {@code [r0, r1)} own bytes {@code [rowOffset(p, r0), rowOffset(p, r1))}.
   */
  public long rowOffset(LinearParam param, long row) {
    if (!rowWise(param)) throw new IllegalArgumentException(prefix + "." + param.suffix() + " is tensor-wide");
    if (row < 0 || row > rows) throw new IllegalArgumentException(prefix + ": row " + row + " outside [0, " + rows + "]");
    LayoutTensor t = get(param);
    long outerRows = t.shape()[0];
    long bytesPerOuterRow = t.byteSize() / outerRows;
    long outer;
    if (param == LinearParam.WEIGHT_ZERO_POINT && t.dtype() == DType.I32) {
      outer = Math.ceilDiv(row * weights.numBits(), 32L); // zero points packed along the rows
    } else if (param != LinearParam.WEIGHT && param != LinearParam.WEIGHT_PACKED
        && weights.strategy() == Strategy.BLOCK) {
      outer = Math.ceilDiv(row, (long) weights.blockRows());
    } else {
      outer = row;
    }
    return outer * bytesPerOuterRow;
  }

  /** Shape of {@code weight_scale} (and of unpacked zero points) for a strategy. */
  static long[] scaleShape(QuantizationArgs w, long rows, long cols) {
    return switch (w.strategy()) {
      case TENSOR -> new long[] {1};
      case CHANNEL -> new long[] {rows, 1};
      case GROUP, TENSOR_GROUP -> new long[] {rows, cols / w.groupSize()};
      case BLOCK -> new long[] {Math.ceilDiv(rows, (long) w.blockRows()), Math.ceilDiv(cols, (long) w.blockCols())};
      default -> throw new IllegalStateException(w.strategy().json());
    };
  }

  private static LayoutTensor tensor(String prefix, LinearParam param, DType dtype, long... shape) {
    return new LayoutTensor(param, new TensorSpec(prefix + "." + param.suffix(), dtype, shape));
  }

  private static void check(String where, CompressionFormat format, QuantizationArgs w, DType dtype, long rows,
      long cols) {
    if (w == null) throw refuse(where, "the scheme has no weight quantization");
    if (dtype != DType.BF16 && dtype != DType.F16 && dtype != DType.F32)
      throw refuse(where, "only BF16, F16 and F32 weights can be quantized");
    if (rows <= 0 || cols <= 0) throw refuse(where, "the weight is empty");
    if (w.dynamic() != DynamicMode.STATIC) throw refuse(where, "weights cannot be quantized dynamically");
    if (w.actorder() != null && w.actorder().isGroupOrdering())
      throw refuse(where, "actorder '" + w.actorder().json()
          + "' needs GPTQ's weight_g_idx, which data-free quantization does not produce");
    if (!w.symmetric() && w.type() == QuantType.FLOAT)
      throw refuse(where, "compressed-tensors has no asymmetric float quantization");
    Strategy s = w.strategy();
    if (s != Strategy.TENSOR && s != Strategy.CHANNEL && s != Strategy.GROUP && s != Strategy.TENSOR_GROUP
        && s != Strategy.BLOCK)
      throw refuse(where, "strategy '" + s.json() + "' does not apply to weights");
    if ((s == Strategy.GROUP || s == Strategy.TENSOR_GROUP) && cols % w.groupSize() != 0)
      throw refuse(where, "in_features " + cols + " is not divisible by group_size " + w.groupSize()
          + " (llm-compressor refuses partial groups); add the module to the ignore list");
    boolean fp4 = w.type() == QuantType.FLOAT && w.numBits() == 4;
    boolean fp8 = w.type() == QuantType.FLOAT && w.numBits() == 8;
    boolean intq = w.type() == QuantType.INT && w.numBits() >= 1 && w.numBits() <= 8;
    boolean ok = switch (format) {
      case NVFP4_PACK_QUANTIZED -> fp4 && s == Strategy.TENSOR_GROUP && w.groupSize() == 16
          && w.scaleDtype() == TorchDType.FLOAT8_E4M3FN;
      case MXFP4_PACK_QUANTIZED -> fp4 && w.isMx() && s == Strategy.GROUP;
      case MXFP8_QUANTIZED -> fp8 && w.isMx() && s == Strategy.GROUP;
      case PACK_QUANTIZED -> intq && s != Strategy.TENSOR_GROUP && w.scaleDtype() == null;
      case NAIVE_QUANTIZED, INT_QUANTIZED, FLOAT_QUANTIZED ->
          (intq || fp8) && s != Strategy.TENSOR_GROUP && w.scaleDtype() == null;
      default -> false;
    };
    if (!ok)
      throw refuse(where, "format '" + format.json() + "' cannot hold " + w.type().json() + w.numBits()
          + " weights with strategy '" + s.json() + "'" + (w.groupSize() == null ? "" : " group_size " + w.groupSize())
          + (w.scaleDtype() == null ? "" : " scale_dtype " + w.scaleDtype().json()));
  }

  private static VlmqException refuse(String where, String why) {
    return new VlmqException("Cannot quantize " + where + ": " + why + ".");
  }
}
