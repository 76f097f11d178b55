package vlmq.engine.qwen;

import vlmq.engine.tensor.Matrix;

/**
 * Hook points of a forward pass, at the places transformers' forward hooks see (parity tests, debugging, activation
 * statistics for calibration). Every method defaults to doing nothing. The matrices are views of live buffers: copy
 * what you keep.
 */
public interface ForwardObserver {
  /** Observes nothing. */
  ForwardObserver NONE = new ForwardObserver() {};

  /** The patch embedding {@code [patches, Cv]}, rows in pixel_values order (before Qwen3-VL's position embedding). */
  default void visionPatchEmbed(Matrix x) {}

  /** The input of vision block 0: Qwen2.5-VL in window order, Qwen3-VL with the position embedding added. */
  default void visionBlocksInput(Matrix x) {}

  /** The output of vision block {@code block} (Qwen2.5-VL: window order, as HF's hook sees it). */
  default void visionBlock(int block, Matrix x) {}

  /** Qwen3-VL deepstack merger {@code index}'s output {@code [tokens, C]}, merged-token raster order. */
  default void deepstackFeatures(int index, Matrix x) {}

  /** The merged image features {@code [tokens, C]}, one row per image_pad in order (HF's pooler_output). */
  default void imageFeatures(Matrix x) {}

  /** The 3-row M-RoPE positions of the prompt and its rope delta (transformers' get_rope_index). */
  default void positions(int[][] positions, int ropeDelta) {}

  /** The decoder's input embeddings {@code [seq, C]} after the image features are scattered in. */
  default void inputEmbeddings(Matrix x) {}

  /**
   * The token mixer's output in decoder layer {@code layer} (attention after o_proj, or Qwen3.5's gated DeltaNet
   * after out_proj), before the residual add, for the rows at positions {@code start…}.
   */
  default void decoderMixer(int layer, int start, Matrix x) {}

  /**
   * The output of decoder layer {@code layer} for the rows at positions {@code start…} (the whole prompt, then one
   * row per generated token); for Qwen3-VL before the deepstack features are added, as HF's hook sees it.
   */
  default void decoderLayer(int layer, int start, Matrix x) {}
}
