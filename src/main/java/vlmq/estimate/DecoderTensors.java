package vlmq.estimate;

import vlmq.estimate.TextModel.Decoder;
import vlmq.estimate.TextModel.LayerType;
import vlmq.numeric.DType;

/**
 * The language model's stored tensors, layer by layer as transformers 5.18 declares them for each decoder:
 * llama/mistral, qwen2 (q/k/v bias), qwen3 (q/k norms), gemma3 (four norms per layer), Mllama (cross-attention
 * layers with gates), Qwen3.5 (gated full attention with q_proj doubled, Gated DeltaNet linear attention, and the
 * {@code mtp.} head the hub checkpoints carry). MoE layers are written per expert, as llm-compressor quantizes
 * them; fused-expert checkpoints hold the same elements in 3-D tensors.
 */
final class DecoderTensors {
  private DecoderTensors() {}

  /**
   * Adds the decoder under {@code prefix} (e.g. {@code model.language_model.}), its head as {@code lm_head} unless
   * tied, and Qwen3.5's {@code mtp.} layers.
   */
  static void add(TensorList list, TextModel text, String prefix) {
    long c = text.hidden();
    list.add(prefix + "embed_tokens.weight", text.embeddingRows(), c);
    for (int i = 0; i < text.layers(); i++) {
      layer(list, text, prefix + "layers." + i + ".", text.layerTypes().get(i), text.moe() != null
          && text.moe().sparse(i));
    }
    list.norm(prefix + "norm", c, false);
    if (!text.tied()) list.add("lm_head.weight", text.vocab(), c);
    if (text.mtpLayers() > 0) mtp(list, text);
  }

  private static void layer(TensorList list, TextModel text, String p, LayerType type, boolean sparse) {
    long c = text.hidden();
    list.norm(p + "input_layernorm", c, false);
    list.norm(p + "post_attention_layernorm", c, false);
    if (text.decoder() == Decoder.GEMMA3) {
      list.norm(p + "pre_feedforward_layernorm", c, false);
      list.norm(p + "post_feedforward_layernorm", c, false);
    }
    switch (type) {
      case FULL, SLIDING -> selfAttention(list, text, p + "self_attn.");
      case LINEAR -> gatedDeltaNet(list, text, p + "linear_attn.");
      case CROSS -> crossAttention(list, text, p);
    }
    if (sparse) moe(list, text, p + "mlp.");
    else mlp(list, c, text.intermediate(), text.mlpBias(), p + "mlp.");
  }

  private static void selfAttention(TensorList list, TextModel text, String p) {
    long c = text.hidden();
    long q = text.heads() * text.headDim();
    long kv = text.kvHeads() * text.headDim();
    var decoder = text.decoder();
    boolean qkvBias = decoder == Decoder.QWEN2 || (biasesFollowConfig(decoder) && text.attentionBias());
    boolean oBias = biasesFollowConfig(decoder) && text.attentionBias();
    // Qwen3.5's gated attention projects a per-head sigmoid gate alongside each query.
    list.linear(p + "q_proj", c, decoder == Decoder.QWEN3_5 ? 2 * q : q, qkvBias);
    list.linear(p + "k_proj", c, kv, qkvBias);
    list.linear(p + "v_proj", c, kv, qkvBias);
    list.linear(p + "o_proj", q, c, oBias);
    if (decoder == Decoder.QWEN3 || decoder == Decoder.GEMMA3 || decoder == Decoder.QWEN3_5) {
      list.norm(p + "q_norm", text.headDim(), false);
      list.norm(p + "k_norm", text.headDim(), false);
    }
  }

  private static boolean biasesFollowConfig(Decoder decoder) {
    return decoder == Decoder.LLAMA || decoder == Decoder.QWEN3 || decoder == Decoder.GEMMA3
        || decoder == Decoder.QWEN3_5;
  }

  /**
   * Qwen3.5 {@code linear_attn}. Qwen publishes {@code A_log} and the gated norm in F32 next to BF16 weights (the
   * recurrence decays through them), so they keep F32 here whatever the checkpoint dtype.
   */
  private static void gatedDeltaNet(TensorList list, TextModel text, String p) {
    var la = text.linear();
    long c = text.hidden();
    list.linear(p + "in_proj_qkv", c, la.convDim(), false);
    list.linear(p + "in_proj_z", c, la.valueDim(), false);
    list.linear(p + "in_proj_b", c, la.valueHeads(), false);
    list.linear(p + "in_proj_a", c, la.valueHeads(), false);
    list.add(p + "conv1d.weight", la.convDim(), 1, la.convKernel());
    list.add(p + "dt_bias", la.valueHeads());
    list.add(p + "A_log", DType.F32, la.valueHeads());
    list.add(p + "norm.weight", DType.F32, la.valueHeadDim());
    list.linear(p + "out_proj", la.valueDim(), c, false);
  }

  private static void crossAttention(TensorList list, TextModel text, String p) {
    long c = text.hidden();
    long q = text.heads() * text.headDim();
    long kv = text.kvHeads() * text.headDim();
    list.linear(p + "cross_attn.q_proj", c, q, false);
    list.linear(p + "cross_attn.k_proj", c, kv, false);
    list.linear(p + "cross_attn.v_proj", c, kv, false);
    list.linear(p + "cross_attn.o_proj", q, c, false);
    list.norm(p + "cross_attn.q_norm", text.headDim(), false);
    list.norm(p + "cross_attn.k_norm", text.headDim(), false);
    list.add(p + "cross_attn_attn_gate", 1);
    list.add(p + "cross_attn_mlp_gate", 1);
  }

  private static void mlp(TensorList list, long c, long intermediate, boolean bias, String p) {
    list.linear(p + "gate_proj", c, intermediate, bias);
    list.linear(p + "up_proj", c, intermediate, bias);
    list.linear(p + "down_proj", intermediate, c, bias);
  }

  private static void moe(TensorList list, TextModel text, String p) {
    var moe = text.moe();
    long c = text.hidden();
    list.linear(p + "gate", c, moe.experts(), false);
    for (int e = 0; e < moe.experts(); e++) mlp(list, c, moe.intermediate(), false, p + "experts." + e + ".");
    if (moe.sharedIntermediate() > 0) {
      mlp(list, c, moe.sharedIntermediate(), false, p + "shared_expert.");
      list.linear(p + "shared_expert_gate", c, 1, false);
    }
  }

  /** vLLM's Qwen3_5MultiTokenPredictor: fc over [embedding; hidden], two pre-norms, full-attention layers, norm. */
  private static void mtp(TensorList list, TextModel text) {
    long c = text.hidden();
    list.linear("mtp.fc", 2 * c, c, false);
    list.norm("mtp.pre_fc_norm_embedding", c, false);
    list.norm("mtp.pre_fc_norm_hidden", c, false);
    for (int k = 0; k < text.mtpLayers(); k++) {
      layer(list, text, "mtp.layers." + k + ".", LayerType.FULL, text.moe() != null);
    }
    list.norm("mtp.norm", c, false);
  }
}
