package vlmq.engine.qwen;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import vlmq.VlmqException;
import vlmq.engine.nn.Activation;
import vlmq.model.Family;
import vlmq.model.ModelConfig;

/**
 * The fields of a Qwen-VL {@code config.json} the forward pass needs, read as transformers 5.18 reads them: nested
 * {@code text_config}/{@code vision_config} or the flat original layout, {@code rope_parameters} or the older
 * {@code rope_scaling}, and the configuration classes' defaults for absent fields.
 */
public record QwenVlConfig(QwenVariant variant, Text text, Vision vision, int imageTokenId, int videoTokenId,
    int visionStartTokenId, int visionEndTokenId) {

  /**
   * The language model.
   *
   * @param rotaryDim leading dimensions of each head that RoPE rotates (Qwen3.5: {@code head_dim ·
   *     partial_rotary_factor}; else all of them)
   * @param mropeSection frequencies taken from the temporal, height and width position rows (sums to rotaryDim/2)
   * @param attentionBias q/k/v projections carry a bias (Qwen2/2.5-VL always; Qwen3-VL/3.5 per
   *     {@code attention_bias}, which then covers o_proj too)
   * @param qkNorm per-head RMSNorm on q and k before RoPE (Qwen3-VL, Qwen3.5)
   * @param layerTypes what mixes the tokens in each decoder layer
   * @param linearAttention Qwen3.5's gated DeltaNet sizes; null when no layer is linear attention
   */
  public record Text(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads,
      int headDim, int rotaryDim, float rmsNormEps, double ropeTheta, int[] mropeSection, boolean attentionBias,
      boolean qkNorm, boolean tiedEmbeddings, Activation act, List<Integer> eosTokenIds, List<LayerType> layerTypes,
      LinearAttention linearAttention) {}

  /** The token mixer of a decoder layer, as {@code layer_types} names it. */
  public enum LayerType {
    /** Causal softmax attention over a KV cache ({@code full_attention}). */
    FULL_ATTENTION,
    /** Qwen3.5's gated DeltaNet with a fixed-size recurrent state ({@code linear_attention}). */
    LINEAR_ATTENTION
  }

  /**
   * Qwen3.5's gated DeltaNet ({@code linear_*} fields of the text config).
   *
   * @param convKernel width of the causal depthwise convolution over q, k and v
   */
  public record LinearAttention(int convKernel, int keyHeads, int valueHeads, int keyHeadDim, int valueHeadDim) {
    public int keyDim() {
      return keyHeads * keyHeadDim;
    }

    public int valueDim() {
      return valueHeads * valueHeadDim;
    }

    /** Channels of the convolution: q, k and v side by side. */
    public int convDim() {
      return 2 * keyDim() + valueDim();
    }
  }

  /**
   * The vision tower.
   *
   * @param hiddenSize the ViT width (Qwen2-VL's {@code embed_dim})
   * @param outHiddenSize the merger's output width, the text model's hidden size
   * @param windowSize Qwen2.5-VL's attention window side in pixels; 0 without window attention
   * @param fullAttentionBlocks Qwen2.5-VL blocks that attend over the whole image
   * @param numPositionEmbeddings Qwen3-VL's learned position grid (side²); 0 without
   * @param deepstackIndexes Qwen3-VL blocks whose output feeds a deepstack merger
   * @param tokensPerSecond Qwen2.5-VL's video temporal position scale
   */
  public record Vision(int depth, int hiddenSize, int intermediateSize, int heads, int inChannels, int patchSize,
      int temporalPatchSize, int mergeSize, int outHiddenSize, Activation act, int windowSize,
      int[] fullAttentionBlocks, int numPositionEmbeddings, int[] deepstackIndexes, double ropeTheta,
      int tokensPerSecond) {
    public int headDim() {
      return hiddenSize / heads;
    }

    /** Values per {@code pixel_values} row: {@code in_channels · T · P · P}. */
    public int patchValues() {
      return inChannels * temporalPatchSize * patchSize * patchSize;
    }

    /** Merged tokens per window side (Qwen2.5-VL). */
    public int windowTokens() {
      return windowSize / mergeSize / patchSize;
    }
  }

  /** Reads {@code config}; refuses families other than Qwen2-VL, Qwen2.5-VL, Qwen3-VL and Qwen3.5 (dense). */
  public static QwenVlConfig of(ModelConfig config) {
    QwenVariant variant = Family.detect(config).flatMap(QwenVariant::of).orElseThrow(() -> new VlmqException(
        "the engine runs Qwen2-VL, Qwen2.5-VL, Qwen3-VL and Qwen3.5 checkpoints; config.json names architecture '"
            + config.architecture() + "' (model_type '" + config.modelType() + "')"));
    if (config.modelType().endsWith("_moe") || config.architecture().contains("Moe")) {
      throw new VlmqException("config.json describes a mixture-of-experts model (model_type '" + config.modelType()
          + "'); the engine runs the dense Qwen-VL models only");
    }
    JsonNode root = config.root();
    boolean tied = config.tieWordEmbeddings().orElse(false);
    Text text = text(variant, config.textConfig(), tied);
    Vision vision = vision(variant, config.visionConfig());
    if (vision.outHiddenSize != text.hiddenSize) {
      throw new VlmqException("config.json: the vision merger outputs " + vision.outHiddenSize + " values per token"
          + " but the text hidden_size is " + text.hiddenSize);
    }
    boolean qwen35 = variant == QwenVariant.QWEN3_5;
    return new QwenVlConfig(variant, text, vision, integer(root, "image_token_id", qwen35 ? 248056 : 151655),
        integer(root, "video_token_id", qwen35 ? 248057 : 151656),
        integer(root, "vision_start_token_id", qwen35 ? 248053 : 151652),
        integer(root, "vision_end_token_id", qwen35 ? 248054 : 151653));
  }

  /** Defaults are the configuration classes' (Qwen2_5_VLTextConfig, Qwen3VLTextConfig, Qwen3_5TextConfig). */
  private static Text text(QwenVariant variant, JsonNode t, boolean tied) {
    boolean qwen3 = variant.qwen3Family();
    boolean qwen35 = variant == QwenVariant.QWEN3_5;
    int hidden = integer(t, "hidden_size", qwen3 ? 4096 : 8192);
    int heads = integer(t, "num_attention_heads", qwen35 ? 16 : qwen3 ? 32 : 64);
    int headDim = qwen3 ? integer(t, "head_dim", qwen35 ? 256 : 128) : hidden / heads;
    if (!qwen3 && hidden % heads != 0) {
      throw new VlmqException("config.json: hidden_size " + hidden + " is not a multiple of num_attention_heads "
          + heads);
    }
    int kvHeads = integer(t, "num_key_value_heads", qwen35 ? 4 : qwen3 ? 32 : 8);
    if (heads % kvHeads != 0) {
      throw new VlmqException("config.json: num_attention_heads " + heads + " is not a multiple of "
          + "num_key_value_heads " + kvHeads);
    }
    JsonNode rope = t.path("rope_parameters").isObject() ? t.path("rope_parameters") : t.path("rope_scaling");
    double theta = rope.path("rope_theta").isNumber() ? rope.path("rope_theta").asDouble()
        : t.path("rope_theta").asDouble(qwen35 ? 10000.0 : qwen3 ? 500000.0 : 1000000.0);
    double partial = rope.path("partial_rotary_factor").isNumber() ? rope.path("partial_rotary_factor").asDouble()
        : t.path("partial_rotary_factor").asDouble(qwen35 ? 0.25 : 1.0);
    int rotaryDim = (int) (headDim * partial);
    if (partial <= 0 || partial > 1 || rotaryDim % 2 != 0) {
      throw new VlmqException("config.json: partial_rotary_factor " + partial + " must be in (0, 1] and leave an "
          + "even number of rotary dimensions of head_dim " + headDim);
    }
    int[] section = ints(rope, "mrope_section",
        qwen35 ? new int[] {11, 11, 10} : qwen3 ? new int[] {24, 20, 20} : new int[] {16, 24, 24});
    if (section.length != 3 || section[0] + section[1] + section[2] != rotaryDim / 2) {
      throw new VlmqException("config.json: mrope_section " + Arrays.toString(section) + " must have three"
          + " entries summing to " + (qwen35 ? "head_dim·partial_rotary_factor/2 = " : "head_dim/2 = ")
          + rotaryDim / 2);
    }
    var eos = new ArrayList<Integer>();
    JsonNode eosNode = t.path("eos_token_id");
    if (eosNode.isInt()) eos.add(eosNode.asInt());
    eosNode.forEach(n -> eos.add(n.asInt()));
    int layers = integer(t, "num_hidden_layers", qwen3 ? 32 : 80);
    List<LayerType> types = qwen35 ? layerTypes(t, layers) : Collections.nCopies(layers,
        LayerType.FULL_ATTENTION);
    LinearAttention linear = types.contains(LayerType.LINEAR_ATTENTION) ? linearAttention(t) : null;
    return new Text(integer(t, "vocab_size", qwen35 ? 248320 : qwen3 ? 151936 : 152064), hidden,
        integer(t, "intermediate_size", qwen35 ? 12288 : qwen3 ? 22016 : 29568), layers, heads, kvHeads, headDim,
        rotaryDim, (float) t.path("rms_norm_eps").asDouble(qwen3 ? 1e-6 : 1e-5), theta, section,
        !qwen3 || t.path("attention_bias").asBoolean(false), qwen3, tied,
        Activation.of(t.path("hidden_act").asText("silu")), List.copyOf(eos), List.copyOf(types), linear);
  }

  /** {@code layer_types}, or every {@code full_attention_interval}-th layer (default 4) full attention. */
  private static List<LayerType> layerTypes(JsonNode t, int layers) {
    JsonNode listed = t.path("layer_types");
    var types = new ArrayList<LayerType>();
    if (listed.isMissingNode() || listed.isNull()) {
      int interval = integer(t, "full_attention_interval", 4);
      if (interval < 1) throw new VlmqException("config.json: full_attention_interval must be positive");
      for (int i = 0; i < layers; i++) {
        types.add((i + 1) % interval == 0 ? LayerType.FULL_ATTENTION : LayerType.LINEAR_ATTENTION);
      }
      return types;
    }
    if (!listed.isArray() || listed.size() != layers) {
      throw new VlmqException("config.json: layer_types must list one type per layer (" + layers + "), not "
          + listed);
    }
    for (JsonNode n : listed) {
      types.add(switch (n.asText()) {
        case "full_attention" -> LayerType.FULL_ATTENTION;
        case "linear_attention" -> LayerType.LINEAR_ATTENTION;
        default -> throw new VlmqException("config.json: layer type " + n + " is not supported by the engine (it"
            + " runs full_attention and linear_attention)");
      });
    }
    return types;
  }

  private static LinearAttention linearAttention(JsonNode t) {
    var linear = new LinearAttention(integer(t, "linear_conv_kernel_dim", 4), integer(t, "linear_num_key_heads", 16),
        integer(t, "linear_num_value_heads", 32), integer(t, "linear_key_head_dim", 128),
        integer(t, "linear_value_head_dim", 128));
    if (linear.convKernel() < 1 || linear.keyHeads() < 1 || linear.keyHeadDim() < 1 || linear.valueHeadDim() < 1
        || linear.valueHeads() % linear.keyHeads() != 0) {
      throw new VlmqException("config.json: linear attention needs positive sizes and linear_num_value_heads ("
          + linear.valueHeads() + ") a multiple of linear_num_key_heads (" + linear.keyHeads() + ")");
    }
    return linear;
  }

  private static Vision vision(QwenVariant variant, JsonNode v) {
    if (v.isMissingNode()) throw new VlmqException("config.json has no vision_config");
    double theta = v.path("rope_parameters").path("rope_theta").asDouble(10000.0);
    int inChannels = integer(v, "in_channels", integer(v, "in_chans", 3));
    return switch (variant) {
      case QWEN2_VL -> {
        int embed = integer(v, "embed_dim", 1280);
        yield new Vision(integer(v, "depth", 32), embed, (int) (embed * v.path("mlp_ratio").asDouble(4)),
            integer(v, "num_heads", 16), inChannels, integer(v, "patch_size", 14),
            integer(v, "temporal_patch_size", 2), integer(v, "spatial_merge_size", 2),
            integer(v, "hidden_size", 3584), Activation.of(v.path("hidden_act").asText("quick_gelu")), 0,
            new int[0], 0, new int[0], theta, 0);
      }
      case QWEN2_5_VL -> new Vision(integer(v, "depth", 32), integer(v, "hidden_size", 3584),
          integer(v, "intermediate_size", 3420), integer(v, "num_heads", 16), inChannels,
          integer(v, "patch_size", 14), integer(v, "temporal_patch_size", 2), integer(v, "spatial_merge_size", 2),
          integer(v, "out_hidden_size", 3584), Activation.of(v.path("hidden_act").asText("silu")),
          integer(v, "window_size", 112), ints(v, "fullatt_block_indexes", new int[] {7, 15, 23, 31}), 0,
          new int[0], theta, integer(v, "tokens_per_second", 4));
      case QWEN3_VL, QWEN3_5 -> new Vision(integer(v, "depth", 27), integer(v, "hidden_size", 1152),
          integer(v, "intermediate_size", 4304), integer(v, "num_heads", 16), inChannels,
          integer(v, "patch_size", 16), integer(v, "temporal_patch_size", 2), integer(v, "spatial_merge_size", 2),
          integer(v, "out_hidden_size", 3584), Activation.of(v.path("hidden_act").asText("gelu_pytorch_tanh")), 0,
          new int[0], integer(v, "num_position_embeddings", 2304),
          // Qwen3.5 has no deepstack mergers; its configs may still carry an unused (empty) list
          variant == QwenVariant.QWEN3_5 ? new int[0]
              : ints(v, "deepstack_visual_indexes", new int[] {8, 16, 24}), theta, 0);
    };
  }

  private static int integer(JsonNode node, String field, int fallback) {
    JsonNode n = node.path(field);
    if (n.isMissingNode() || n.isNull()) return fallback;
    if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0) {
      throw new VlmqException("config.json: " + field + " must be a non-negative integer, not " + n);
    }
    return n.asInt();
  }

  private static int[] ints(JsonNode node, String field, int[] fallback) {
    JsonNode n = node.path(field);
    if (n.isMissingNode() || n.isNull()) return fallback;
    if (!n.isArray()) throw new VlmqException("config.json: " + field + " must be a list of integers, not " + n);
    int[] out = new int[n.size()];
    for (int i = 0; i < out.length; i++) {
      if (!n.get(i).isIntegralNumber()) {
        throw new VlmqException("config.json: " + field + " must be a list of integers, not " + n);
      }
      out[i] = n.get(i).asInt();
    }
    return out;
  }
}
