package vlmq.estimate;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import vlmq.VlmqException;
import vlmq.model.Family;
import vlmq.model.ModelConfig;

/**
 * The language model's shape as transformers builds it from {@code text_config} (or the flat top level), with the
 * class defaults applied: what decides its tensors, its KV cache and its recurrent state.
 *
 * @param decoder which decoder implementation, fixing biases and norms
 * @param embeddingRows rows of {@code embed_tokens}: the vocabulary, plus Mllama's 8 extra image tokens
 * @param layerTypes one entry per decoder layer
 * @param slidingWindow tokens a sliding-attention layer keeps; 0 when none
 * @param linear the Gated DeltaNet sizes of Qwen3.5's linear-attention layers; null for other decoders
 * @param moe the mixture-of-experts sizes; null for dense models
 * @param mtpLayers Qwen3.5's multi-token-prediction layers stored under {@code mtp.} (vLLM loads them only for
 *     speculative decoding)
 */
record TextModel(
    Decoder decoder,
    long vocab,
    long embeddingRows,
    long hidden,
    long heads,
    long kvHeads,
    long headDim,
    long intermediate,
    boolean attentionBias,
    boolean mlpBias,
    boolean tied,
    List<LayerType> layerTypes,
    long slidingWindow,
    long maxPositions,
    LinearAttention linear,
    Moe moe,
    long mtpLayers) {

  /** The decoder implementations of the supported families; each fixes which projections carry a bias. */
  enum Decoder { LLAMA, MISTRAL, QWEN2, QWEN3, GEMMA3, QWEN3_5, MLLAMA }

  /** What a decoder layer attends with, which decides what it caches per token or per sequence. */
  enum LayerType { FULL, SLIDING, LINEAR, CROSS }

  /** Qwen3.5 Gated DeltaNet sizes ({@code linear_*} fields). */
  record LinearAttention(long convKernel, long keyHeadDim, long valueHeadDim, long keyHeads, long valueHeads) {
    long keyDim() {
      return keyHeads * keyHeadDim;
    }

    long valueDim() {
      return valueHeads * valueHeadDim;
    }

    /** Channels of the q/k/v projection and of the depthwise conv over it. */
    long convDim() {
      return 2 * keyDim() + valueDim();
    }
  }

  /**
   * Mixture-of-experts sizes.
   *
   * @param perToken experts each token is routed to ({@code num_experts_per_tok})
   * @param sharedIntermediate Qwen3.5-MoE's shared expert width; 0 when there is none
   * @param denseLayers layers that keep a dense MLP ({@code mlp_only_layers})
   * @param sparseStep every {@code sparseStep}-th layer is sparse ({@code decoder_sparse_step})
   */
  record Moe(long experts, long perToken, long intermediate, long sharedIntermediate, List<Long> denseLayers,
      long sparseStep) {
    boolean sparse(int layer) {
      return !denseLayers.contains((long) layer) && (layer + 1) % sparseStep == 0;
    }
  }

  TextModel {
    layerTypes = List.copyOf(layerTypes);
  }

  long layers() {
    return layerTypes.size();
  }

  /** Reads the text model of {@code family}'s config. */
  static TextModel of(Family family, ModelConfig config) {
    var root = new Fields(config.root(), "");
    var text = root.nestedOrSelf("text_config");
    var decoder = decoder(family, text);
    long hidden = text.positive("hidden_size");
    long heads = text.positive("num_attention_heads");
    long kvHeads = text.positive("num_key_value_heads", heads);
    long headDim = text.positive("head_dim", decoder == Decoder.QWEN3_5 ? 256 : hidden / heads);
    if (!text.has("head_dim") && decoder != Decoder.QWEN3_5 && hidden % heads != 0) {
      throw new VlmqException("config.json: " + text.path("hidden_size") + " " + hidden
          + " is not a multiple of num_attention_heads " + heads + " and no head_dim is given");
    }
    long layers = text.positive("num_hidden_layers");
    long vocab = text.positive("vocab_size");
    boolean tied = tied(family, root, text);
    var types = layerTypes(decoder, text, (int) layers);
    long window = text.has("sliding_window") && types.contains(LayerType.SLIDING)
        ? text.positive("sliding_window") : 0;
    LinearAttention linear = decoder == Decoder.QWEN3_5 ? new LinearAttention(
        text.positive("linear_conv_kernel_dim", 4), text.positive("linear_key_head_dim", 128),
        text.positive("linear_value_head_dim", 128), text.positive("linear_num_key_heads", 16),
        text.positive("linear_num_value_heads", 32)) : null;
    var moe = moe(text);
    // MoE configs may leave the dense width out when no layer is dense.
    long intermediate = moe == null ? text.positive("intermediate_size") : text.count("intermediate_size", 0);
    return new TextModel(decoder, vocab, decoder == Decoder.MLLAMA ? vocab + 8 : vocab, hidden, heads, kvHeads,
        headDim, intermediate, text.flag("attention_bias", false), text.flag("mlp_bias", false), tied, types, window,
        text.count("max_position_embeddings", 0), linear, moe,
        decoder == Decoder.QWEN3_5 ? text.count("mtp_num_hidden_layers", 0) : 0);
  }

  /**
   * Whether transformers 5.18 ties lm_head to the input embeddings (so checkpoints do not store it). The families
   * read {@code tie_word_embeddings} differently (measured in src/test/resources/estimate/tying.json): Qwen2-VL,
   * Qwen2.5-VL and LLaVA tie if the top level or text_config says so; Qwen3-VL, Qwen3.5 and Idefics3 follow the top
   * level only, untied when absent; Mistral3, Gemma 3 and InternVL follow the top level only, tied when absent;
   * Mllama never ties (its embedding table has 8 more rows than its head).
   */
  private static boolean tied(Family family, Fields root, Fields text) {
    var flag = "tie_word_embeddings";
    return switch (family) {
      case QWEN2_VL, QWEN2_5_VL, LLAVA -> root.flag(flag, false) || text.flag(flag, false);
      case QWEN3_VL, QWEN3_5, IDEFICS3 -> root.flag(flag, false);
      case MISTRAL3, GEMMA3, INTERNVL -> root.flag(flag, true);
      case MLLAMA -> false;
    };
  }

  private static Decoder decoder(Family family, Fields text) {
    return switch (family) {
      case QWEN2_VL, QWEN2_5_VL -> Decoder.QWEN2;
      case QWEN3_VL -> Decoder.QWEN3;
      case QWEN3_5 -> Decoder.QWEN3_5;
      case GEMMA3 -> Decoder.GEMMA3;
      case MLLAMA -> Decoder.MLLAMA;
      case LLAVA, MISTRAL3, IDEFICS3, INTERNVL -> switch (text.text("model_type", "llama")) {
        case "llama" -> Decoder.LLAMA;
        case "mistral" -> Decoder.MISTRAL;
        case "qwen2" -> Decoder.QWEN2;
        case "qwen3" -> Decoder.QWEN3;
        default -> throw new VlmqException("config.json: " + text.path("model_type") + " '"
            + text.text("model_type", "") + "' is a language model estimate cannot size; it knows llama, mistral,"
            + " qwen2 and qwen3 under " + family.displayName());
      };
    };
  }

  private static List<LayerType> layerTypes(Decoder decoder, Fields text, int layers) {
    var named = text.texts("layer_types");
    if (decoder == Decoder.MLLAMA) {
      var cross = text.counts("cross_attention_layers");
      return IntStream.range(0, layers).mapToObj(i -> cross.contains((long) i) ? LayerType.CROSS : LayerType.FULL)
          .toList();
    }
    if (!named.isEmpty()) {
      if (named.size() != layers) {
        throw new VlmqException("config.json: " + text.path("layer_types") + " lists " + named.size()
            + " layers but num_hidden_layers is " + layers);
      }
      var out = new ArrayList<LayerType>();
      for (var name : named) out.add(layerType(text, name));
      return out;
    }
    return IntStream.range(0, layers).mapToObj(i -> switch (decoder) {
      // transformers' defaults when layer_types is absent.
      case QWEN3_5 -> (i + 1) % text.positive("full_attention_interval", 4) == 0 ? LayerType.FULL : LayerType.LINEAR;
      case GEMMA3 -> (i + 1) % text.positive("_sliding_window_pattern", text.positive("sliding_window_pattern", 6)) == 0
          ? LayerType.FULL : LayerType.SLIDING;
      case MISTRAL -> text.has("sliding_window") ? LayerType.SLIDING : LayerType.FULL;
      case QWEN2 -> text.flag("use_sliding_window", false) && text.has("sliding_window")
          ? LayerType.SLIDING : LayerType.FULL;
      default -> LayerType.FULL;
    }).toList();
  }

  private static LayerType layerType(Fields text, String name) {
    return switch (name) {
      case "full_attention" -> LayerType.FULL;
      case "sliding_attention" -> LayerType.SLIDING;
      case "linear_attention" -> LayerType.LINEAR;
      default -> throw new VlmqException("config.json: " + text.path("layer_types") + " has '" + name
          + "'; estimate knows full_attention, sliding_attention and linear_attention");
    };
  }

  private static Moe moe(Fields text) {
    // transformers 5 saves Qwen3-VL-MoE's count as num_local_experts; hub configs say num_experts.
    long experts = text.count("num_experts", text.count("num_local_experts", 0));
    if (experts == 0) return null;
    return new Moe(experts, text.positive("num_experts_per_tok", 8), text.positive("moe_intermediate_size"),
        text.count("shared_expert_intermediate_size", 0),
        text.counts("mlp_only_layers"), text.positive("decoder_sparse_step", 1));
  }
}
