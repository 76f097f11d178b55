package vlmq.estimate;

/**
 * The vision towers and projectors of the non-Qwen families, in transformers 5.18's runtime names: CLIP (LLaVA),
 * SigLIP (Gemma 3, with its attention-pool head when {@code vision_use_head}), Idefics3's SigLIP variant, Pixtral
 * (Mistral3), InternViT (InternVL) and Mllama's tiled encoder with its gated global layers. Missing config fields
 * take the transformers class defaults.
 */
final class TowerTensors {
  private TowerTensors() {}

  /** CLIP ViT: class token, bias-free patch conv, positions for patches + CLS, pre/post LayerNorm. */
  static void clip(TensorList list, Fields v, String p) {
    long e = v.positive("hidden_size", 768);
    long patch = v.positive("patch_size", 32);
    long patches = square(v.positive("image_size", 224) / patch);
    list.add(p + "embeddings.class_embedding", e);
    list.add(p + "embeddings.patch_embedding.weight", e, v.positive("num_channels", 3), patch, patch);
    list.add(p + "embeddings.position_embedding.weight", patches + 1, e);
    list.norm(p + "pre_layrnorm", e, true);
    long layers = v.positive("num_hidden_layers", 12);
    encoder(list, v, p + "encoder.layers.", layers, e, v.positive("intermediate_size", 3072));
    list.norm(p + "post_layernorm", e, true);
  }

  /** SigLIP ViT (also Idefics3's, which has no head): biased patch conv, positions for patches only. */
  static void siglip(TensorList list, Fields v, String p, boolean idefics3) {
    long e = v.positive("hidden_size", idefics3 ? 1152 : 768);
    long i = v.positive("intermediate_size", 3072);
    long patch = v.positive("patch_size", idefics3 ? 32 : 16);
    list.add(p + "embeddings.patch_embedding.weight", e, v.positive("num_channels", 3), patch, patch);
    list.add(p + "embeddings.patch_embedding.bias", e);
    list.add(p + "embeddings.position_embedding.weight", square(v.positive("image_size", 224) / patch), e);
    encoder(list, v, p + "encoder.layers.", v.positive("num_hidden_layers", 12), e, i);
    list.norm(p + "post_layernorm", e, true);
    if (!idefics3 && v.flag("vision_use_head", true)) {
      list.add(p + "head.probe", 1, 1, e);
      list.add(p + "head.attention.in_proj_weight", 3 * e, e);
      list.add(p + "head.attention.in_proj_bias", 3 * e);
      list.linear(p + "head.attention.out_proj", e, e, true);
      list.norm(p + "head.layernorm", e, true);
      list.linear(p + "head.mlp.fc1", e, i, true);
      list.linear(p + "head.mlp.fc2", i, e, true);
    }
  }

  /** CLIP/SigLIP encoder layers: two LayerNorms, biased q/k/v/out_proj, fc1/fc2. */
  private static void encoder(TensorList list, Fields v, String p, long layers, long e, long i) {
    for (int l = 0; l < layers; l++) {
      var q = p + l + ".";
      list.norm(q + "layer_norm1", e, true);
      list.norm(q + "layer_norm2", e, true);
      for (var proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
        list.linear(q + "self_attn." + proj, e, e, true);
      }
      list.linear(q + "mlp.fc1", e, i, true);
      list.linear(q + "mlp.fc2", i, e, true);
    }
  }

  /** Pixtral: bias-free patch conv, RMSNorms, q/k/v/o and a gated feed-forward, all without biases. */
  static void pixtral(TensorList list, Fields v, String p) {
    long e = v.positive("hidden_size", 1024);
    long i = v.positive("intermediate_size", 4096);
    long patch = v.positive("patch_size", 16);
    list.add(p + "patch_conv.weight", e, v.positive("num_channels", 3), patch, patch);
    list.norm(p + "ln_pre", e, false);
    for (int l = 0; l < v.positive("num_hidden_layers", 24); l++) {
      var q = p + "transformer.layers." + l + ".";
      list.norm(q + "attention_norm", e, false);
      list.norm(q + "ffn_norm", e, false);
      for (var proj : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
        list.linear(q + "attention." + proj, e, e, false);
      }
      list.linear(q + "feed_forward.gate_proj", e, i, false);
      list.linear(q + "feed_forward.up_proj", e, i, false);
      list.linear(q + "feed_forward.down_proj", i, e, false);
    }
  }

  /** InternViT: CLS token, biased patch projection, layer-scale lambdas, optional q/k RMSNorms and final norm. */
  static void internVit(TensorList list, Fields v, String p) {
    long e = v.positive("hidden_size", 1024);
    long i = v.positive("intermediate_size", 4096);
    long patch = v.side("patch_size", 14);
    long patches = (v.side("image_size", 448) / patch) * (v.side("image_size", 448) / patch);
    boolean layerNorm = v.text("norm_type", "layer_norm").equals("layer_norm");
    boolean bias = v.flag("attention_bias", false);
    list.add(p + "embeddings.cls_token", 1, 1, e);
    if (v.flag("use_mask_token", false)) list.add(p + "embeddings.mask_token", 1, 1, e);
    list.add(p + "embeddings.patch_embeddings.projection.weight", e, v.positive("num_channels", 3), patch, patch);
    list.add(p + "embeddings.patch_embeddings.projection.bias", e);
    if (v.flag("use_absolute_position_embeddings", true)) {
      list.add(p + "embeddings.position_embeddings", 1, patches + 1, e);
    }
    for (int l = 0; l < v.positive("num_hidden_layers", 24); l++) {
      var q = p + "encoder.layer." + l + ".";
      list.linear(q + "attention.q_proj", e, e, bias);
      list.linear(q + "attention.k_proj", e, e, bias);
      list.linear(q + "attention.v_proj", e, e, bias);
      list.linear(q + "attention.projection_layer", e, e, true);
      if (v.flag("use_qk_norm", false)) {
        list.norm(q + "attention.q_norm", e, false);
        list.norm(q + "attention.k_norm", e, false);
      }
      list.linear(q + "mlp.fc1", e, i, true);
      list.linear(q + "mlp.fc2", i, e, true);
      list.norm(q + "layernorm_before", e, layerNorm);
      list.norm(q + "layernorm_after", e, layerNorm);
      list.add(q + "lambda_1", e);
      list.add(q + "lambda_2", e);
    }
    if (!v.flag("use_mean_pooling", true)) list.norm(p + "layernorm", e, true);
  }

  /**
   * Mllama's tiled ViT: a gated position embedding per tile and aspect ratio, pre/post tile embeddings, a local
   * transformer and a gated global one.
   */
  static void mllama(TensorList list, Fields v, String p) {
    long e = v.positive("hidden_size", 1280);
    long i = v.positive("intermediate_size", 5120);
    long patch = v.positive("patch_size", 14);
    long positions = square(v.positive("image_size", 448) / patch) + 1;
    long tiles = v.positive("max_num_tiles", 4);
    long ratios = v.has("supported_aspect_ratios") ? v.node().path("supported_aspect_ratios").size() : 8;
    list.add(p + "class_embedding", e);
    list.add(p + "patch_embedding.weight", e, v.positive("num_channels", 3), patch, patch);
    list.add(p + "gated_positional_embedding.embedding", positions, e);
    list.add(p + "gated_positional_embedding.gate", 1);
    list.add(p + "gated_positional_embedding.tile_embedding.weight", ratios + 1, tiles * positions * e);
    for (var tile : new String[] {"pre_tile_positional_embedding.", "post_tile_positional_embedding."}) {
      list.add(p + tile + "embedding.weight", ratios + 1, tiles * e);
      list.add(p + tile + "gate", 1);
    }
    list.norm(p + "layernorm_pre", e, true);
    list.norm(p + "layernorm_post", e, true);
    mllamaLayers(list, p + "transformer.layers.", v.positive("num_hidden_layers", 32), e, i, false);
    mllamaLayers(list, p + "global_transformer.layers.", v.positive("num_global_layers", 8), e, i, true);
  }

  private static void mllamaLayers(TensorList list, String p, long layers, long e, long i, boolean gated) {
    for (int l = 0; l < layers; l++) {
      var q = p + l + ".";
      for (var proj : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
        list.linear(q + "self_attn." + proj, e, e, false);
      }
      list.linear(q + "mlp.fc1", e, i, true);
      list.linear(q + "mlp.fc2", i, e, true);
      list.norm(q + "input_layernorm", e, true);
      list.norm(q + "post_attention_layernorm", e, true);
      if (gated) {
        list.add(q + "gate_attn", 1);
        list.add(q + "gate_ffn", 1);
      }
    }
  }

  private static long square(long side) {
    return Math.multiplyExact(side, side);
  }
}
