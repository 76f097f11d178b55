package vlmq.estimate;

import java.util.Locale;
import vlmq.VlmqException;

/**
 * What {@code vlmq estimate} is asked; null fields take vLLM's defaults for the GPU at hand.
 *
 * @param scheme a compressed-tensors preset (e.g. {@code FP8_DYNAMIC}) to size the checkpoint after quantization;
 *     null for the checkpoint as it is
 * @param kvCacheDtype {@code auto} or {@code fp8}
 * @param gpuMemory one GPU's memory in bytes; null to skip the fit
 * @param gpuMemoryUtilization vLLM's {@code --gpu-memory-utilization}
 * @param maxModelLen vLLM's {@code --max-model-len}; null for the model's {@code max_position_embeddings}
 * @param maxNumSeqs vLLM's {@code --max-num-seqs}; null for its default (1024 on GPUs of 70 GiB or more, else 256)
 * @param maxNumBatchedTokens vLLM's {@code --max-num-batched-tokens}; null for {@code vllm serve}'s default (8192
 *     on GPUs of 70 GiB or more, else 2048)
 * @param images images per request
 * @param imageWidth null with {@code imageHeight} for the largest image the processor makes, which vLLM profiles
 * @param tp tensor-parallel GPUs
 * @param threads quantizer threads for the quantize-run estimate
 */
public record EstimateOptions(String scheme, String kvCacheDtype, Long gpuMemory, double gpuMemoryUtilization,
    Long maxModelLen, Long maxNumSeqs, Long maxNumBatchedTokens, int images, Integer imageWidth,
    Integer imageHeight, int tp, int threads) {

  static final long LARGE_GPU = 70 * ByteSize.GIB;

  public EstimateOptions {
    if (kvCacheDtype == null) kvCacheDtype = "auto";
    if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
      throw new VlmqException("--gpu-memory-utilization " + gpuMemoryUtilization + " must be in (0, 1], e.g. 0.9");
    }
    positive(maxModelLen, "--max-model-len");
    positive(maxNumSeqs, "--max-num-seqs");
    positive(maxNumBatchedTokens, "--max-num-batched-tokens");
    if (images < 0) throw new VlmqException("--images " + images + " must be 0 or more");
    if ((imageWidth == null) != (imageHeight == null) || (imageWidth != null && (imageWidth < 1 || imageHeight < 1))) {
      throw new VlmqException("--image-size needs a positive width and height, e.g. 1280x720");
    }
    if (tp < 1) throw new VlmqException("--tp " + tp + " must be 1 or more");
    if (threads < 1) throw new VlmqException("--threads " + threads + " must be 1 or more");
  }

  /** vLLM's {@code --max-num-seqs} for this GPU. */
  long effectiveMaxNumSeqs() {
    return maxNumSeqs != null ? maxNumSeqs : gpuMemory != null && gpuMemory >= LARGE_GPU ? 1024 : 256;
  }

  /** {@code vllm serve}'s {@code --max-num-batched-tokens} for this GPU. */
  long effectiveMaxNumBatchedTokens() {
    if (maxNumBatchedTokens != null) return maxNumBatchedTokens;
    return gpuMemory != null && gpuMemory >= LARGE_GPU ? 8192 : 2048;
  }

  /** Parses {@code WxH} (e.g. {@code 1280x720}) into {width, height}. */
  public static int[] parseImageSize(String text) {
    var parts = text == null ? new String[0] : text.trim().toLowerCase(Locale.ROOT).split("x");
    try {
      if (parts.length == 2) {
        int w = Integer.parseInt(parts[0].trim());
        int h = Integer.parseInt(parts[1].trim());
        if (w > 0 && h > 0) return new int[] {w, h};
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new VlmqException("--image-size '" + text + "' is not WIDTHxHEIGHT in pixels, e.g. 1280x720");
  }

  private static void positive(Long value, String option) {
    if (value != null && value < 1) throw new VlmqException(option + " " + value + " must be 1 or more");
  }
}
