package vlmq.format.compressedtensors;

import java.util.ArrayList;
import java.util.List;
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
 *   pack-quantized                 weight_packed I32 [O, ceil(I·b/32)]   weight_scale  model dtype    weight_shape I64 [2]
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
        tensors.add(tensor(prefix, TensorRole.WEIGHT_PACKED, DType.I32, rows, IntPacking.words(cols, weights.numBits())));
        tensors.add(tensor(prefix, TensorRole.WEIGHT_SCALE, weightDtype, scaleShape));
        if (!weights.symmetric()) {
          if (weights.strategy() == Strategy.GROUP || weights.strategy() == Strategy.CHANNEL)
            tensors.add(tensor(prefix, TensorRole.WEIGHT_ZERO_POINT, DType.I32,
                IntPacking.words(scaleShape[0], weights.numBits()), scaleShape[1]));
          else tensors.add(tensor(prefix, TensorRole.WEIGHT_ZERO_POINT, DType.I8, scaleShape));
        }
        tensors.add(tensor(prefix, TensorRole.WEIGHT_SHAPE, DType.I64, 2));
      }
      case NVFP4_PACK_QUANTIZED -> {
        tensors.add(tensor(prefix, TensorRole.WEIGHT_PACKED, DType.U8, rows, cols / 2));
        tensors.add(tensor(prefix, TensorRole.WEIGHT_SCALE, DType.F8_E4M3, scaleShape));
        tensors.add(tensor(prefix, TensorRole.WEIGHT_GLOBAL_SCALE, DType.F32, 1));
      }
      case MXFP4_PACK_QUANTIZED -> {
        tensors.add(tensor(prefix, TensorRole.WEIGHT_PACKED, DType.U8, rows, cols / 2));
        tensors.add(tensor(prefix, TensorRole.WEIGHT_SCALE, DType.U8, scaleShape));
      }
      case MXFP8_QUANTIZED -> {
        tensors.add(tensor(prefix, TensorRole.WEIGHT, DType.F8_E4M3, rows, cols));
        tensors.add(tensor(prefix, TensorRole.WEIGHT_SCALE, DType.U8, scaleShape));
      }
      default -> { // naive, int-quantized, float-quantized: one code per element in pytorch_dtype()
        tensors.add(tensor(prefix, TensorRole.WEIGHT, weights.pytorchDtype().dtype(), rows, cols));
        tensors.add(tensor(prefix, TensorRole.WEIGHT_SCALE, weightDtype, scaleShape));
        if (!weights.symmetric()) tensors.add(tensor(prefix, TensorRole.WEIGHT_ZERO_POINT, DType.I8, scaleShape));
      }
    }
    return new LinearLayout(prefix, format, weights, weightDtype, rows, cols, tensors);
  }

  /** The specs to declare to the checkpoint writer, in role order. */
  public List<TensorSpec> specs() {
    return tensors.stream().map(LayoutTensor::spec).toList();
  }

  /** The tensor with {@code role}. */
  public LayoutTensor get(TensorRole role) {
    for (LayoutTensor t : tensors) if (t.role() == role) return t;
    throw new IllegalArgumentException(prefix + " (" + format.json() + ") has no " + role.suffix());
  }

  public boolean has(TensorRole role) {
    return tensors.stream().anyMatch(t -> t.role() == role);
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

  private static LayoutTensor tensor(String prefix, TensorRole role, DType dtype, long... shape) {
    return new LayoutTensor(role, new TensorSpec(prefix + "." + role.suffix(), dtype, shape));
  }

  private static void check(String where, CompressionFormat format, QuantizationArgs w, DType dtype, long rows,
      long cols) {
    if (w == null) throw refuse(where, "the scheme has no weight quantization");
    if (dtype != DType.BF16 && dtype != DType.F16 && dtype != DType.F32)
      throw refuse(where, "only BF16, F16 and F32 weights can be quantized");
    if (rows <= 0 || cols <= 0) throw refuse(where, "the weight is empty");
    if (w.dynamic() != DynamicMode.STATIC) throw refuse(where, "weights cannot be quantized dynamically");
    if (w.actorder() != null && w.actorder().isGroupOrdering())
      throw refuse(where, "actorder '" + w.actorder().json() + "' needs GPTQ's weight_g_idx, which data-free quantization does not produce");
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
      throw refuse(where, "format '" + format.json() + "' cannot hold " + w.type().json() + w.numBits() + " weights with strategy '"
          + s.json() + "'" + (w.groupSize() == null ? "" : " group_size " + w.groupSize())
          + (w.scaleDtype() == null ? "" : " scale_dtype " + w.scaleDtype().json()));
  }

  private static VlmqException refuse(String where, String why) {
    return new VlmqException("Cannot quantize " + where + ": " + why + ".");
  }
}
