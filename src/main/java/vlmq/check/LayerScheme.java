package vlmq.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import vlmq.VlmqException;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.format.modelopt.ModelOptTensors;
import vlmq.format.modelopt.QuantAlgo;
import vlmq.numeric.DType;
import vlmq.recipe.CompressionFormat;
import vlmq.recipe.DynamicMode;
import vlmq.recipe.QuantType;
import vlmq.recipe.QuantizationArgs;
import vlmq.recipe.Strategy;

/**
 * The quantized linear method vLLM builds for a layer, reduced to what the rules need: the kernel family (for GPU
 * support and shape limits), the tensors it registers (for missing/mis-shaped scales) and whether a bf16 weight
 * still fits its {@code weight} parameter (a silent cast) or not (a load error).
 *
 * @param label for messages, e.g. {@code ModelOpt FP8} or {@code compressed-tensors group_0 W4A16 (pack-quantized)}
 * @param groupSize weight group length along in_features; 0 without groups, -1 per channel
 */
record LayerScheme(Kind kind, String label, int bits, int groupSize, QuantAlgo algo, QuantizationArgs weights,
    QuantizationArgs input, CompressionFormat format) {

  /** Kernel families, with the compute capability vLLM needs for each (§2 item 5, §3.1, §4.2). */
  enum Kind {
    FP8_W8A8(89), FP8_W8A16(80), FP8_BLOCK(89), NVFP4_W4A4(100), NVFP4_W4A16(80), WNA16(80), INT8_W8A8(75),
    W4A8_INT(90), MXFP4(100), MXFP8(100), UNSUPPORTED(0);

    final int minCapability;

    Kind(int minCapability) {
      this.minCapability = minCapability;
    }
  }

  static LayerScheme modelOpt(QuantAlgo algo, int groupSize) {
    var kind = switch (algo) {
      case FP8, FP8_PER_CHANNEL_PER_TOKEN -> Kind.FP8_W8A8;
      case FP8_PB_WO -> Kind.FP8_BLOCK;
      case NVFP4 -> Kind.NVFP4_W4A4;
      case W4A16_NVFP4 -> Kind.NVFP4_W4A16;
      case MXFP8 -> Kind.MXFP8;
      default -> Kind.UNSUPPORTED;
    };
    var bits = algo.isNvfp4() ? 4 : 8;
    return new LayerScheme(kind, "ModelOpt " + algo.name(), bits, algo.isNvfp4() ? ModelOptTensors.NVFP4_GROUP
        : groupSize, algo, null, null, null);
  }

  /** compressed-tensors' scheme selection ({@code _get_scheme_from_parts}, §3.1) for one config group. */
  static LayerScheme compressedTensors(CtConfig.Group group, String modelFormat, VllmVersion version) {
    var w = group.scheme().weights();
    var a = group.scheme().inputActivations();
    var format = group.format(modelFormat);
    var kind = ctKind(w, a, format, version);
    int gs = w == null ? 0 : w.strategy() == Strategy.CHANNEL ? -1 : w.groupSize() == null ? 0 : w.groupSize();
    return new LayerScheme(kind, "compressed-tensors " + group.name() + " (" + format.json() + ")",
        w == null ? 16 : w.numBits(), gs, null, w, a, format);
  }

  static LayerScheme gptq(String method, int bits, int groupSize) {
    return new LayerScheme(Kind.WNA16, method + " " + bits + "-bit" + (groupSize > 0 ? " group " + groupSize : ""),
        bits, groupSize, null, null, null, null);
  }

  static LayerScheme fp8(boolean block) {
    return new LayerScheme(block ? Kind.FP8_BLOCK : Kind.FP8_W8A8, "fp8" + (block ? " (block)" : ""), 8, 0, null,
        null, null, null);
  }

  private static Kind ctKind(QuantizationArgs w, QuantizationArgs a, CompressionFormat format, VllmVersion v) {
    if (w == null) return Kind.UNSUPPORTED;
    boolean activationFormat = format == CompressionFormat.NAIVE_QUANTIZED || format == CompressionFormat.INT_QUANTIZED
        || format == CompressionFormat.FLOAT_QUANTIZED || format == CompressionFormat.NVFP4_PACK_QUANTIZED;
    if (a == null && nvfp4(w)) return Kind.NVFP4_W4A16;
    if (a == null && w.type() == QuantType.INT && w.dynamic() == DynamicMode.STATIC
        && (w.strategy() == Strategy.CHANNEL || w.strategy() == Strategy.GROUP)
        && (w.numBits() == 4 || w.numBits() == 8)
        && (format == CompressionFormat.PACK_QUANTIZED || format == CompressionFormat.MARLIN_24)) return Kind.WNA16;
    if (activationFormat && nvfp4(w) && nvfp4(a)) return Kind.NVFP4_W4A4;
    if (w.isMx() || (a != null && a.isMx())) {
      return v.has(VllmChange.MAIN_2026_05) ? (w.numBits() == 4 ? Kind.MXFP4 : Kind.MXFP8) : Kind.UNSUPPORTED;
    }
    boolean fp8Weights = w.type() == QuantType.FLOAT && w.numBits() == 8 && w.symmetric()
        && w.dynamic() == DynamicMode.STATIC;
    boolean fp8Input = a != null && a.type() == QuantType.FLOAT && a.numBits() == 8;
    if (fp8Weights && w.strategy() == Strategy.BLOCK && fp8Input && a.dynamic().isDynamic()) return Kind.FP8_BLOCK;
    boolean perTensorOrChannel = w.strategy() == Strategy.TENSOR || w.strategy() == Strategy.CHANNEL;
    if (fp8Weights && perTensorOrChannel && fp8Input && (a.dynamic().isDynamic()
        || (a.symmetric() && a.strategy() == Strategy.TENSOR))) return Kind.FP8_W8A8;
    if (fp8Weights && perTensorOrChannel) return Kind.FP8_W8A16;
    boolean int8Weights = w.type() == QuantType.INT && w.numBits() == 8 && w.symmetric()
        && w.dynamic() == DynamicMode.STATIC && perTensorOrChannel;
    boolean int8Input = a != null && a.type() == QuantType.INT && a.numBits() == 8;
    if (int8Weights && int8Input && ((!a.dynamic().isDynamic() && a.strategy() == Strategy.TENSOR)
        || (a.dynamic().isDynamic() && a.strategy() == Strategy.TOKEN))) return Kind.INT8_W8A8;
    if (w.type() == QuantType.INT && w.numBits() == 4 && int8Input && a.dynamic().isDynamic()
        && a.strategy() == Strategy.TOKEN) return Kind.W4A8_INT;
    return Kind.UNSUPPORTED;
  }

  private static boolean nvfp4(QuantizationArgs x) {
    return x != null && x.type() == QuantType.FLOAT && x.numBits() == 4 && x.strategy() == Strategy.TENSOR_GROUP
        && x.groupSize() != null && x.groupSize() == 16 && x.symmetric();
  }

  /** Whether a bf16 {@code [out, in]} weight fits this method's {@code weight} parameter (vLLM then casts silently). */
  boolean takesUnquantizedWeight() {
    return switch (kind) {
      case FP8_W8A8, FP8_W8A16, FP8_BLOCK, INT8_W8A8, MXFP8 -> true;
      default -> false;
    };
  }

  /** True when activations are quantized with a static, calibrated scale stored in the checkpoint. */
  boolean staticInput() {
    if (algo != null) return algo == QuantAlgo.FP8 || algo == QuantAlgo.NVFP4;
    return input != null && input.dynamic() != DynamicMode.DYNAMIC;
  }

  /** What a shard with logical {@code [out, in]} must hold; empty when the layout is not known. */
  List<Expected> expected(String module, long out, long in) {
    if (out <= 0 || in <= 0) return List.of();
    var list = new ArrayList<Expected>();
    if (algo != null) {
      ModelOptTensors.linear(algo, out, in).ifPresent(tensors -> tensors.forEach(t -> list.add(t.scalar()
          ? Expected.scalar(t.suffix(), Set.of(t.dtype())) : Expected.exact(t.suffix(), t.dtype(), t.shape()))));
      return list;
    }
    if (weights != null && format != null) {
      try {
        for (var t : LinearLayout.of(module, format, weights, DType.BF16, out, in).tensors()) {
          list.add(expected(t.param(), t.dtype(), t.shape()));
        }
      } catch (VlmqException e) {
        return List.of(); // a layout compressed-tensors cannot write; the kernel rules report the shape
      }
      if (staticInput() && kind == Kind.NVFP4_W4A4) {
        list.add(Expected.scalar("input_global_scale", Set.of(DType.F32)));
      } else if (staticInput() && input.strategy() == Strategy.TENSOR) {
        list.add(Expected.scalar("input_scale", Expected.FLOATS));
      }
      return list;
    }
    if (kind == Kind.WNA16) {
      return List.of(Expected.any("qweight", Set.of(DType.I32)), Expected.any("scales", Expected.FLOATS));
    }
    return List.of();
  }

  private static Expected expected(LinearParam role, DType dtype, long[] shape) {
    var param = role.suffix();
    boolean modelDtype = dtype == DType.BF16 && role != LinearParam.WEIGHT;
    var dtypes = modelDtype ? Expected.FLOATS : Set.of(dtype);
    if (shape.length == 1 && shape[0] == 1) return Expected.scalar(param, dtypes);
    if (shape.length == 2 && shape[1] == 1) {
      return new Expected(param, dtypes, List.of(shape, new long[] {shape[0]}));
    }
    return new Expected(param, dtypes, List.of(shape));
  }
}
