package vlmq.estimate;

import vlmq.model.Family;

/**
 * The Qwen-VL vision towers under {@code model.visual.}, as transformers 5.18 declares them: Qwen2-VL (LayerNorm,
 * fc1/fc2, {@code merger.ln_q} + {@code mlp.0/2}), Qwen2.5-VL (RMSNorm, gated MLP with biases), Qwen3-VL and
 * Qwen3.5 (patch-embed bias, learned {@code pos_embed}, {@code linear_fc1/2}, Qwen3-VL's deepstack mergers). The
 * patch embedding is a Conv3d over {@code temporal_patch_size} frames; the merger folds
 * {@code spatial_merge_size}² patches into one language-model token.
 */
final class QwenVisionTensors {
  private QwenVisionTensors() {}

  private static final String P = "model.visual.";

  static void add(TensorList list, Family family, Fields vision, long textHidden) {
    long channels = vision.positive("in_channels", vision.positive("in_chans", 3));
    long patch = vision.positive("patch_size", family == Family.QWEN3_VL || family == Family.QWEN3_5 ? 16 : 14);
    long temporal = vision.positive("temporal_patch_size", 2);
    long merge = vision.positive("spatial_merge_size", 2);
    long depth = vision.positive("depth");
    switch (family) {
      case QWEN2_VL -> {
        long e = vision.positive("embed_dim", 1280);
        long i = (long) (e * vision.number("mlp_ratio", 4));
        long merged = e * merge * merge;
        list.add(P + "patch_embed.proj.weight", e, channels, temporal, patch, patch);
        for (int b = 0; b < depth; b++) {
          var p = P + "blocks." + b + ".";
          list.norm(p + "norm1", e, true);
          list.norm(p + "norm2", e, true);
          attention(list, p, e);
          list.linear(p + "mlp.fc1", e, i, true);
          list.linear(p + "mlp.fc2", i, e, true);
        }
        list.norm(P + "merger.ln_q", e, true);
        list.linear(P + "merger.mlp.0", merged, merged, true);
        list.linear(P + "merger.mlp.2", merged, vision.positive("hidden_size", textHidden), true);
      }
      case QWEN2_5_VL -> {
        long cv = vision.positive("hidden_size");
        long iv = vision.positive("intermediate_size");
        long merged = cv * merge * merge;
        list.add(P + "patch_embed.proj.weight", cv, channels, temporal, patch, patch);
        for (int b = 0; b < depth; b++) {
          var p = P + "blocks." + b + ".";
          list.norm(p + "norm1", cv, false);
          list.norm(p + "norm2", cv, false);
          attention(list, p, cv);
          list.linear(p + "mlp.gate_proj", cv, iv, true);
          list.linear(p + "mlp.up_proj", cv, iv, true);
          list.linear(p + "mlp.down_proj", iv, cv, true);
        }
        list.norm(P + "merger.ln_q", cv, false);
        list.linear(P + "merger.mlp.0", merged, merged, true);
        list.linear(P + "merger.mlp.2", merged, vision.positive("out_hidden_size", textHidden), true);
      }
      default -> { // Qwen3-VL and Qwen3.5
        long cv = vision.positive("hidden_size");
        long iv = vision.positive("intermediate_size");
        long out = vision.positive("out_hidden_size", textHidden);
        long merged = cv * merge * merge;
        list.add(P + "patch_embed.proj.weight", cv, channels, temporal, patch, patch);
        list.add(P + "patch_embed.proj.bias", cv);
        list.add(P + "pos_embed.weight", vision.positive("num_position_embeddings"), cv);
        for (int b = 0; b < depth; b++) {
          var p = P + "blocks." + b + ".";
          list.norm(p + "norm1", cv, true);
          list.norm(p + "norm2", cv, true);
          attention(list, p, cv);
          list.linear(p + "mlp.linear_fc1", cv, iv, true);
          list.linear(p + "mlp.linear_fc2", iv, cv, true);
        }
        merger(list, P + "merger.", cv, merged, out);
        if (family == Family.QWEN3_VL) {
          int n = vision.counts("deepstack_visual_indexes").size();
          for (int j = 0; j < n; j++) merger(list, P + "deepstack_merger_list." + j + ".", merged, merged, out);
        }
      }
    }
  }

  private static void attention(TensorList list, String p, long width) {
    list.linear(p + "attn.qkv", width, 3 * width, true);
    list.linear(p + "attn.proj", width, width, true);
  }

  /** LayerNorm over {@code normWidth} (per patch before the shuffle, or the merged row for deepstack), fc1, fc2. */
  private static void merger(TensorList list, String p, long normWidth, long merged, long out) {
    list.norm(p + "norm", normWidth, true);
    list.linear(p + "linear_fc1", merged, merged, true);
    list.linear(p + "linear_fc2", merged, out, true);
  }
}
