package vlmq.estimate;

import vlmq.model.Component;
import vlmq.quant.WeightQuantizer;
import vlmq.plan.QuantizationPlan;

/**
 * What running {@code vlmq quantize} with the plan needs. Disk: the output checkpoint. Memory: vlmq maps the input
 * safetensors and quantizes row bands (one row, or one FP8_BLOCK block of rows) per thread, so its heap is about
 * {@code threads × widest band} (the band's source rows, their float32 working copy and their output), and the
 * input passes through the OS page cache, which the kernel reclaims as needed. llm-compressor instead loads the
 * whole model into CPU RAM before it quantizes.
 *
 * @param outputBytes tensors of the quantized checkpoint (safetensors headers and small JSON files add a few MB)
 * @param threads quantizer threads
 * @param widestModule the quantized Linear with the widest band
 * @param bandBytes that band's working set
 * @param heapBytes {@code threads × bandBytes}
 * @param inputBytes the checkpoint streamed through the page cache
 * @param llmCompressorBytes the model llm-compressor holds in CPU RAM: every tensor transformers loads (all but
 *     Qwen3.5's mtp head) at its checkpoint dtype
 */
public record QuantizeRun(long outputBytes, int threads, String widestModule, long bandBytes, long heapBytes,
    long inputBytes, long llmCompressorBytes) {

  static QuantizeRun of(QuantizationPlan plan, int threads) {
    String widest = "";
    long band = 0;
    for (var d : plan.decisions()) {
      if (!d.quantized()) continue;
      var layout = d.layout();
      long rows = WeightQuantizer.of(layout).rowAlignment();
      int sourceBytes = layout.weightDtype().bits() / 8;
      long outBytes = layout.tensors().stream().mapToLong(t -> t.byteSize()).sum();
      long bytes = rows * layout.cols() * (sourceBytes + Float.BYTES) + Math.ceilDiv(outBytes * rows, layout.rows());
      if (bytes > band) {
        band = bytes;
        widest = d.module();
      }
    }
    var total = plan.total();
    long loaded = total.bytesBefore() - plan.totals(Component.OTHER).bytesBefore();
    return new QuantizeRun(total.bytesAfter(), threads, widest, band, threads * band, total.bytesBefore(), loaded);
  }
}
