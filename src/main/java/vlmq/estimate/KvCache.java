package vlmq.estimate;

import java.util.Locale;
import vlmq.VlmqException;
import vlmq.estimate.TextModel.LayerType;
import vlmq.numeric.DType;

/**
 * What the language model keeps per token and per sequence on one GPU while vLLM serves it: K and V of every
 * attention layer per token (sliding-window layers only up to their window), and for Qwen3.5's Gated DeltaNet
 * layers a fixed recurrent state per sequence instead: the causal-conv state ({@code K−1} past rows of the q/k/v
 * channels) and the delta-rule state ({@code value heads × head_v × head_k}), shaped as vLLM's
 * {@code MambaStateShapeCalculator.gated_delta_net_state_shape}. vLLM pages both: attention in blocks of
 * {@link #blockSize()} tokens, and for hybrid models it raises the block size until one attention page (per layer)
 * holds a layer's recurrent state, then pads the state to that page
 * ({@code HybridAttentionMambaModelConfig}).
 *
 * @param elementBytes bytes per cached K/V element (the model dtype for {@code auto}, 1 for fp8)
 * @param kvHeadsPerGpu K/V heads one GPU holds: {@code num_key_value_heads / tp}, at least 1 (vLLM replicates them
 *     when tp exceeds them)
 * @param fullLayers layers attending over the whole context
 * @param slidingLayers layers attending over the last {@code slidingWindow} tokens
 * @param crossLayers Mllama cross-attention layers, which cache the image's encoder states instead of tokens
 * @param linearLayers Gated DeltaNet layers
 * @param convStateBytes one linear layer's conv state for one sequence ({@code (K−1) × conv_dim/tp}, model dtype)
 * @param ssmStateBytes one linear layer's recurrent state for one sequence ({@code nv/tp × dv × dk}, model dtype:
 *     vLLM's default {@code --mamba-ssm-cache-dtype auto})
 * @param blockSize tokens per KV-cache block
 */
public record KvCache(int elementBytes, long kvHeadsPerGpu, long headDim, long fullLayers, long slidingLayers,
    long slidingWindow, long crossLayers, long linearLayers, long convStateBytes, long ssmStateBytes,
    long blockSize) {

  /** vLLM's default block size for attention-only models (CUDA). */
  public static final long DEFAULT_BLOCK_SIZE = 16;

  /** {@code --kv-cache-dtype}: {@code auto} keeps the model dtype, the fp8 variants store one byte. */
  public static int elementBytes(String kvCacheDtype, DType modelDtype) {
    return switch (kvCacheDtype.toLowerCase(Locale.ROOT)) {
      case "auto" -> modelDtype.bits() / 8;
      case "fp8", "fp8_e4m3", "fp8_e5m2" -> 1;
      case "bfloat16", "float16" -> 2;
      default -> throw new VlmqException("--kv-cache-dtype '" + kvCacheDtype
          + "' is not one vLLM accepts; use auto or fp8 (fp8_e4m3, fp8_e5m2)");
    };
  }

  /** The cache of {@code text} under tensor parallelism {@code tp}. */
  static KvCache of(TextModel text, String kvCacheDtype, DType modelDtype, int tp) {
    int bytes = elementBytes(kvCacheDtype, modelDtype);
    long kvHeads = Math.max(1, text.kvHeads() / tp);
    long full = count(text, LayerType.FULL);
    long sliding = count(text, LayerType.SLIDING);
    long linear = count(text, LayerType.LINEAR);
    long conv = 0;
    long ssm = 0;
    long block = DEFAULT_BLOCK_SIZE;
    if (linear > 0) {
      var la = text.linear();
      int stateBytes = modelDtype.bits() / 8;
      conv = (la.convKernel() - 1) * divide(la.convDim(), tp, "the linear-attention q/k/v channels") * stateBytes;
      ssm = divide(la.valueHeads(), tp, "linear_num_value_heads") * la.valueHeadDim() * la.keyHeadDim() * stateBytes;
      long perTokenPerLayer = 2 * kvHeads * text.headDim() * bytes;
      block = DEFAULT_BLOCK_SIZE * Math.ceilDiv(conv + ssm, DEFAULT_BLOCK_SIZE * perTokenPerLayer);
    }
    return new KvCache(bytes, kvHeads, text.headDim(), full, sliding, text.slidingWindow(),
        count(text, LayerType.CROSS), linear, conv, ssm, block);
  }

  /** K and V of one layer for one token. */
  public long bytesPerTokenPerLayer() {
    return 2 * kvHeadsPerGpu * headDim * elementBytes;
  }

  /** K and V of every self-attention layer for one token (sliding layers included, before their window). */
  public long bytesPerToken() {
    return (fullLayers + slidingLayers) * bytesPerTokenPerLayer();
  }

  /** One linear layer's state padded to an attention page, as vLLM stores it; 0 without linear layers. */
  public long statePageBytes() {
    return linearLayers == 0 ? 0 : blockSize * bytesPerTokenPerLayer();
  }

  /** The recurrent state one sequence holds across all linear layers, padded as vLLM pads it. */
  public long stateBytesPerSequence() {
    return linearLayers * statePageBytes();
  }

  /** What one sequence of {@code tokens} occupies: whole blocks of K/V, plus its recurrent state. */
  public long bytesPerSequence(long tokens) {
    long blocks = Math.ceilDiv(tokens, blockSize);
    long window = slidingWindow == 0 ? tokens : Math.min(tokens, slidingWindow);
    long slidingBlocks = Math.ceilDiv(window, blockSize);
    return blocks * blockSize * fullLayers * bytesPerTokenPerLayer()
        + slidingBlocks * blockSize * slidingLayers * bytesPerTokenPerLayer()
        + stateBytesPerSequence();
  }

  /**
   * The longest context, in whole blocks and at most {@code cap}, that one sequence can have within {@code bytes};
   * 0 when not even one block and the recurrent state fit.
   */
  public long maxTokens(long bytes, long cap) {
    long lo = 0;
    long hi = Math.ceilDiv(cap, blockSize);
    if (bytesPerSequence(Math.min(cap, hi * blockSize)) <= bytes) return cap;
    while (lo < hi - 1) { // hi blocks do not fit; lo blocks fit, or lo is 0
      long mid = (lo + hi) >>> 1;
      if (bytesPerSequence(mid * blockSize) <= bytes) lo = mid;
      else hi = mid;
    }
    return lo * blockSize;
  }

  private static long count(TextModel text, LayerType type) {
    return text.layerTypes().stream().filter(t -> t == type).count();
  }

  private static long divide(long n, int tp, String what) {
    if (n % tp != 0) {
      throw new VlmqException("--tp " + tp + " does not divide " + what + " (" + n + "); vLLM needs it to");
    }
    return n / tp;
  }
}
