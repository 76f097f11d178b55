package vlmq.format.modelopt;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import vlmq.VlmqException;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.io.safetensors.TensorSpec;
import vlmq.numeric.DType;
import vlmq.recipe.CompressionFormat;
import vlmq.recipe.DynamicMode;
import vlmq.recipe.QuantType;
import vlmq.recipe.QuantizationArgs;
import vlmq.recipe.QuantizationScheme;
import vlmq.recipe.Strategy;

/**
 * One quantized Linear in both formats: the ModelOpt tensors (engine-loading-rules §4.2) that hold what a
 * compressed-tensors layout holds, each linked to the compressed-tensors tensor it comes from. The codes never
 * change; scales are widened to ModelOpt's F32, a per-tensor scale is repeated per channel, and NVFP4's tensor-wide
 * scales are inverted ({@link Reciprocal}). Every link runs both ways, exactly for values that came from
 * compressed-tensors: narrowing back to the model dtype is exact for values of it, and the way back reports values it
 * would have to round.
 * <pre>
 *   compressed-tensors scheme                  ModelOpt quant_algo         scale links
 *   FP8 channel weights, dynamic token input   FP8_PER_CHANNEL_PER_TOKEN   weight_scale [O,1] → F32 [O]
 *   FP8 tensor weights, dynamic token input    FP8_PER_CHANNEL_PER_TOKEN   weight_scale [1] → F32 [O] (repeated)
 *   FP8 tensor weights, static tensor input    FP8                         weight_scale, input_scale [1] → F32 []
 *   FP8 128×128 blocks (dynamic or no input)   FP8_PB_WO                   weight_scale → F32 [O/128,1,I/128,1]
 *   NVFP4 weights, no input quantization       W4A16_NVFP4                 weight_global_scale g → weight_scale_2 1/g
 *   NVFP4 weights and input                    NVFP4                       and input_global_scale → input_scale
 *   (compressed-tensors' weight_packed is ModelOpt's weight; NVFP4's FP8 block scales are copied as they are)
 * </pre>
 */
public record ModelOptLayout(String module, QuantAlgo algo, List<Link> links) {

  /** How a ModelOpt tensor's elements follow from its compressed-tensors tensor. */
  public enum Transform {
    /** The same bytes (the shape may differ: {@code [1]} against a 0-dimensional scalar). */
    COPY,
    /** Each element as F32; narrowed back to the model dtype exactly. */
    WIDEN,
    /** The one per-tensor value repeated for every output channel, as F32; collapsed back when all are equal. */
    BROADCAST,
    /** The F32 reciprocal; back, the reciprocal that is a value of the model dtype where one maps forward alike. */
    RECIPROCAL
  }

  /**
   * One ModelOpt tensor and the compressed-tensors tensor it holds the content of.
   *
   * @param grid the dtype whose values the compressed-tensors tensor holds (its own dtype; for NVFP4's F32 global
   *     scales the model dtype they were rounded to)
   */
  public record Link(TensorSpec compressedTensors, TensorSpec modelOpt, Transform transform, DType grid) {
    Link(TensorSpec compressedTensors, TensorSpec modelOpt, Transform transform) {
      this(compressedTensors, modelOpt, transform, compressedTensors.dtype());
    }

    /** Writes the ModelOpt tensor from the compressed-tensors one's bytes. */
    public void toModelOpt(MemorySegment ct, MemorySegment mo) {
      var dtype = compressedTensors.dtype();
      switch (transform) {
        case COPY -> MemorySegment.copy(ct, 0, mo, 0, modelOpt.byteSize());
        case WIDEN -> {
          for (long i = 0; i < modelOpt.elementCount(); i++) {
            FloatElements.set(mo, DType.F32, i, FloatElements.get(ct, dtype, i));
          }
        }
        case BROADCAST -> {
          float v = FloatElements.get(ct, dtype, 0);
          for (long i = 0; i < modelOpt.elementCount(); i++) FloatElements.set(mo, DType.F32, i, v);
        }
        case RECIPROCAL -> FloatElements.set(mo, DType.F32, 0, Reciprocal.toModelOpt(FloatElements.get(ct, dtype, 0)));
      }
    }

    /**
     * Why converting this tensor back from ModelOpt would not restore {@code ct} bit for bit (a reciprocal pair no
     * f32 can form); empty when it would.
     */
    public Optional<String> roundTripProblem(MemorySegment ct) {
      if (transform != Transform.RECIPROCAL) return Optional.empty();
      float g = FloatElements.get(ct, compressedTensors.dtype(), 0);
      float back = Reciprocal.toCompressedTensors(Reciprocal.toModelOpt(g), grid);
      if (Float.floatToRawIntBits(back) == Float.floatToRawIntBits(g)) return Optional.empty();
      return Optional.of(compressedTensors.name() + " = " + g + " (not a " + grid + " value) comes back as " + back);
    }

    /**
     * Why the ModelOpt tensor {@code mo} cannot be written as this link's compressed-tensors tensor exactly: values
     * its dtype cannot hold, or per-channel values that differ where compressed-tensors keeps one; empty when it can.
     */
    public Optional<String> toCompressedTensorsProblem(MemorySegment mo) {
      var dtype = compressedTensors.dtype();
      switch (transform) {
        case WIDEN -> {
          for (long i = 0; i < modelOpt.elementCount(); i++) {
            float v = FloatElements.get(mo, DType.F32, i);
            if (!FloatElements.fits(v, dtype)) {
              return Optional.of(modelOpt.name() + "[" + i + "] = " + v + " is not a " + dtype + " value");
            }
          }
        }
        case BROADCAST -> {
          float first = FloatElements.get(mo, DType.F32, 0);
          for (long i = 1; i < modelOpt.elementCount(); i++) {
            if (Float.floatToRawIntBits(FloatElements.get(mo, DType.F32, i)) != Float.floatToRawIntBits(first)) {
              return Optional.of(modelOpt.name() + " differs between channels (" + first + " and "
                  + FloatElements.get(mo, DType.F32, i) + "), but " + compressedTensors.name() + " holds one value");
            }
          }
          if (!FloatElements.fits(first, dtype)) {
            return Optional.of(modelOpt.name() + " = " + first + " is not a " + dtype + " value");
          }
        }
        default -> { }
      }
      return Optional.empty();
    }

    /** Writes the compressed-tensors tensor from the ModelOpt one (check {@link #toCompressedTensorsProblem} first). */
    public void toCompressedTensors(MemorySegment mo, MemorySegment ct) {
      var dtype = compressedTensors.dtype();
      switch (transform) {
        case COPY -> MemorySegment.copy(mo, 0, ct, 0, compressedTensors.byteSize());
        case WIDEN -> {
          for (long i = 0; i < compressedTensors.elementCount(); i++) {
            FloatElements.set(ct, dtype, i, FloatElements.get(mo, DType.F32, i));
          }
        }
        case BROADCAST -> FloatElements.set(ct, dtype, 0, FloatElements.get(mo, DType.F32, 0));
        case RECIPROCAL -> FloatElements.set(ct, dtype, 0,
            Reciprocal.toCompressedTensors(FloatElements.get(mo, DType.F32, 0), grid));
      }
    }

    /**
     * This link with the compressed-tensors side stored as {@code spec} (same name and element count): a checkpoint's
     * actual scale dtype, or F32 where the model dtype cannot hold a ModelOpt scale.
     */
    public Link withCompressedTensors(TensorSpec spec) {
      if (!spec.name().equals(compressedTensors.name()) || spec.elementCount() != compressedTensors.elementCount()) {
        throw new IllegalArgumentException(spec + " cannot stand for " + compressedTensors);
      }
      return new Link(spec, modelOpt, transform, transform == Transform.RECIPROCAL ? grid : spec.dtype());
    }
  }

  /** Names of the static activation scales compressed-tensors writes next to a layout's tensors. */
  public static final String CT_INPUT_SCALE = "input_scale";
  public static final String CT_INPUT_GLOBAL_SCALE = "input_global_scale";

  public ModelOptLayout {
    links = List.copyOf(links);
  }

  /**
   * The ModelOpt algo that holds {@code scheme}'s checkpoints without changing how vLLM runs them.
   *
   * @throws VlmqException naming what ModelOpt lacks, for schemes it cannot hold (integer weights, MX formats,
   *     weight-only per-channel FP8, other block sizes)
   */
  public static QuantAlgo algo(QuantizationScheme scheme) {
    var w = scheme.weights();
    var in = scheme.inputActivations();
    var format = CompressionFormat.infer(scheme);
    if (w != null && w.type() == QuantType.FLOAT && w.numBits() == 8 && !w.isMx()) {
      boolean dynamicTokens = in != null && isFp8(in) && in.dynamic() == DynamicMode.DYNAMIC
          && in.strategy() == Strategy.TOKEN;
      boolean staticTensor = in != null && isFp8(in) && in.dynamic() == DynamicMode.STATIC
          && in.strategy() == Strategy.TENSOR;
      switch (w.strategy()) {
        case CHANNEL, TENSOR -> {
          if (dynamicTokens) return QuantAlgo.FP8_PER_CHANNEL_PER_TOKEN;
          if (staticTensor && w.strategy() == Strategy.TENSOR) return QuantAlgo.FP8;
        }
        case BLOCK -> {
          boolean dynamicGroups = in != null && isFp8(in) && in.dynamic() == DynamicMode.DYNAMIC
              && in.strategy() == Strategy.GROUP && in.groupSize() != null && in.groupSize() == FP8_BLOCK;
          if (w.blockRows() == FP8_BLOCK && w.blockCols() == FP8_BLOCK && (in == null || dynamicGroups)) {
            return QuantAlgo.FP8_PB_WO;
          }
        }
        default -> { }
      }
    }
    if (format == CompressionFormat.NVFP4_PACK_QUANTIZED) {
      if (in == null) return QuantAlgo.W4A16_NVFP4;
      if (in.type() == QuantType.FLOAT && in.numBits() == 4 && in.strategy() == Strategy.TENSOR_GROUP) {
        return QuantAlgo.NVFP4;
      }
    }
    throw new VlmqException("ModelOpt has no format for " + describe(scheme) + ": it holds FP8 per-tensor (static"
        + " input scale), FP8 per-channel with dynamic per-token activations (FP8_DYNAMIC), FP8 128x128 blocks"
        + " (FP8_BLOCK) and NVFP4 (NVFP4A16, NVFP4); keep this scheme in compressed-tensors");
  }

  private static final int FP8_BLOCK = ModelOptTensors.FP8_BLOCK;

  /**
   * The ModelOpt form of a compressed-tensors layout quantized with weights {@code ct.weights()} and input
   * activations {@code inputActivations} (null for weight-only).
   *
   * @throws VlmqException when ModelOpt cannot hold the scheme, or FP8_PB_WO's blocks do not tile the weight
   */
  public static ModelOptLayout of(LinearLayout ct, QuantizationArgs inputActivations) {
    var scheme = new QuantizationScheme(List.of("Linear"), ct.weights(), inputActivations, null, ct.format());
    var algo = algo(scheme);
    var m = ct.prefix();
    long out = ct.rows();
    long in = ct.cols();
    var scalar = new long[0];
    var links = new ArrayList<Link>();
    switch (algo) {
      case FP8_PER_CHANNEL_PER_TOKEN -> {
        links.add(link(ct, LinearParam.WEIGHT, ModelOptTensors.WEIGHT, DType.F8_E4M3, Transform.COPY, out, in));
        var channel = ct.weights().strategy() == Strategy.CHANNEL;
        links.add(link(ct, LinearParam.WEIGHT_SCALE, ModelOptTensors.WEIGHT_SCALE, DType.F32,
            channel ? Transform.WIDEN : Transform.BROADCAST, out));
      }
      case FP8 -> {
        links.add(link(ct, LinearParam.WEIGHT, ModelOptTensors.WEIGHT, DType.F8_E4M3, Transform.COPY, out, in));
        links.add(link(ct, LinearParam.WEIGHT_SCALE, ModelOptTensors.WEIGHT_SCALE, DType.F32, Transform.WIDEN, scalar));
        links.add(new Link(new TensorSpec(m + "." + CT_INPUT_SCALE, ct.weightDtype(), new long[] {1}),
            new TensorSpec(m + "." + ModelOptTensors.INPUT_SCALE, DType.F32, scalar), Transform.WIDEN));
      }
      case FP8_PB_WO -> {
        if (out % FP8_BLOCK != 0 || in % FP8_BLOCK != 0) {
          throw new VlmqException("Cannot write " + m + " [" + out + ", " + in + "] as ModelOpt FP8_PB_WO: vLLM"
              + " requires out_features and in_features divisible by " + FP8_BLOCK + "; keep the module bf16"
              + " (--ignore " + m + ") or use compressed-tensors");
        }
        links.add(link(ct, LinearParam.WEIGHT, ModelOptTensors.WEIGHT, DType.F8_E4M3, Transform.COPY, out, in));
        links.add(link(ct, LinearParam.WEIGHT_SCALE, ModelOptTensors.WEIGHT_SCALE, DType.F32, Transform.WIDEN,
            out / FP8_BLOCK, 1, in / FP8_BLOCK, 1));
      }
      case NVFP4, W4A16_NVFP4 -> {
        links.add(link(ct, LinearParam.WEIGHT_PACKED, ModelOptTensors.WEIGHT, DType.U8, Transform.COPY, out, in / 2));
        links.add(link(ct, LinearParam.WEIGHT_SCALE, ModelOptTensors.WEIGHT_SCALE, DType.F8_E4M3, Transform.COPY, out,
            in / ModelOptTensors.NVFP4_GROUP));
        links.add(new Link(ct.get(LinearParam.WEIGHT_GLOBAL_SCALE).spec(),
            new TensorSpec(m + "." + ModelOptTensors.WEIGHT_SCALE_2, DType.F32, scalar), Transform.RECIPROCAL,
            ct.weightDtype()));
        if (algo == QuantAlgo.NVFP4) {
          links.add(new Link(new TensorSpec(m + "." + CT_INPUT_GLOBAL_SCALE, DType.F32, new long[] {1}),
              new TensorSpec(m + "." + ModelOptTensors.INPUT_SCALE, DType.F32, scalar), Transform.RECIPROCAL,
              ct.weightDtype()));
        }
      }
      default -> throw new IllegalStateException(algo.name());
    }
    return new ModelOptLayout(m, algo, links);
  }

  /** The tensors to declare for the ModelOpt checkpoint, in link order. */
  public List<TensorSpec> modelOptSpecs() {
    return links.stream().map(Link::modelOpt).toList();
  }

  private static Link link(LinearLayout ct, LinearParam param, String suffix, DType dtype, Transform transform,
      long... shape) {
    return new Link(ct.get(param).spec(), new TensorSpec(ct.prefix() + "." + suffix, dtype, shape), transform);
  }

  private static boolean isFp8(QuantizationArgs a) {
    return a.type() == QuantType.FLOAT && a.numBits() == 8;
  }

  private static String describe(QuantizationScheme s) {
    var w = s.weights();
    if (w == null) return "a scheme without weight quantization";
    var text = w.type().json() + w.numBits() + " " + w.strategy().json() + " weights";
    var in = s.inputActivations();
    return text + (in == null ? " (weight-only)" : " with " + (in.dynamic().isDynamic() ? "dynamic " : "static ")
        + in.type().json() + in.numBits() + " " + in.strategy().json() + " activations");
  }
}
