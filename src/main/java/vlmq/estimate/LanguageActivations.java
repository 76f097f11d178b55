package vlmq.estimate;

import vlmq.estimate.TextModel.LayerType;

/**
 * The language model's activation peak in vLLM's profiling run, which pushes {@code max_num_batched_tokens} dummy
 * tokens through the model and samples {@code min(max_num_seqs, tokens)} rows of logits. The estimate is the live
 * set of one decoder layer (residual stream, its normed copy, and the widest intermediate: fused q/k/v plus the
 * attention output, the Gated DeltaNet projections, or the fused gate/up output with its activation) plus the
 * sampler's float32 logits and one same-sized working copy (softmax, top-k/top-p sort). Layer buffers are reused
 * between layers, so one layer's worth is what peaks.
 */
final class LanguageActivations {
  private LanguageActivations() {}

  static long peakBytes(TextModel text, int tp, long tokens, long maxNumSeqs, int bytes) {
    long c = text.hidden();
    long widest = 0;
    for (var type : text.layerTypes()) widest = Math.max(widest, mixerWidth(text, type));
    long mlp = text.moe() == null
        ? 3 * text.intermediate()
        : 3 * (text.moe().perToken() * text.moe().intermediate() + text.moe().sharedIntermediate());
    widest = Math.max(widest, mlp) / tp;
    long layer = tokens * (2 * c + widest) * bytes;
    long sampler = Math.min(maxNumSeqs, tokens) * text.vocab() * Float.BYTES * 2;
    return layer + sampler;
  }

  private static long mixerWidth(TextModel text, LayerType type) {
    long q = text.heads() * text.headDim();
    long kv = text.kvHeads() * text.headDim();
    return switch (type) {
      case LINEAR -> {
        var la = text.linear();
        yield la.convDim() + la.valueDim() + 2 * la.valueHeads() + la.valueDim();
      }
      case FULL, SLIDING, CROSS -> (text.decoder() == TextModel.Decoder.QWEN3_5 ? 2 * q : q) + 2 * kv + q;
    };
  }
}
