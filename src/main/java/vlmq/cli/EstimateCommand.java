package vlmq.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vlmq.estimate.ByteSize;
import vlmq.estimate.Estimate;
import vlmq.estimate.EstimateOptions;

/** {@code vlmq estimate}: size a model and its serving memory from config.json, before downloading the weights. */
@Command(
    name = "estimate",
    mixinStandardHelpOptions = true,
    description = {"Size a model from its config.json alone: weights per component before and after a scheme,",
        "KV cache and recurrent state, vision tokens and activations, and whether it fits a GPU under vLLM."},
    footer = {"", "Examples:", "  vlmq estimate ~/models/Qwen2.5-VL-7B-Instruct --gpu-memory 24GiB",
        "  vlmq estimate config.json --scheme FP8_DYNAMIC --gpu-memory 80GiB --max-model-len 32768 --json"})
public final class EstimateCommand implements Callable<Integer> {
  @Parameters(paramLabel = "<dir | config.json>", description = "A model folder or its config.json.")
  Path path;

  @Option(names = "--scheme", paramLabel = "PRESET", description = "Also size it quantized with this preset "
      + "(vision-preserving default plan), e.g. FP8_DYNAMIC, W4A16, NVFP4A16.")
  String scheme;

  @Option(names = "--kv-cache-dtype", paramLabel = "auto|fp8", defaultValue = "auto",
      description = "vLLM's KV cache dtype (default: ${DEFAULT-VALUE}).")
  String kvCacheDtype;

  @Option(names = "--gpu-memory", paramLabel = "SIZE", description = "One GPU's memory, e.g. 24GiB or 80GB.")
  String gpuMemory;

  @Option(names = "--gpu-memory-utilization", defaultValue = "0.9",
      description = "vLLM's --gpu-memory-utilization (default: ${DEFAULT-VALUE}).")
  double gpuMemoryUtilization;

  @Option(names = "--max-model-len", paramLabel = "N",
      description = "Context per sequence (default: the model's max_position_embeddings).")
  Long maxModelLen;

  @Option(names = "--max-num-seqs", paramLabel = "N",
      description = "Concurrent sequences; also reports the longest context each can have.")
  Long maxNumSeqs;

  @Option(names = "--max-num-batched-tokens", paramLabel = "N",
      description = "vLLM's prefill chunk (default: 8192 on GPUs of 70 GiB or more, else 2048).")
  Long maxNumBatchedTokens;

  @Option(names = "--images", paramLabel = "N", defaultValue = "1", description = "Images per request (default: 1).")
  int images;

  @Option(names = "--image-size", paramLabel = "WxH",
      description = "Image size in pixels (default: the largest the processor makes, as vLLM profiles).")
  String imageSize;

  @Option(names = "--tp", paramLabel = "N", defaultValue = "1", description = "Tensor-parallel GPUs (default: 1).")
  int tp;

  @Option(names = "--threads", paramLabel = "N", description = "Quantizer threads (default: the CPU count).")
  Integer threads;

  @Option(names = "--json", description = "Print the estimate as JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    int[] size = imageSize == null ? null : EstimateOptions.parseImageSize(imageSize);
    var options = new EstimateOptions(scheme, kvCacheDtype,
        gpuMemory == null ? null : ByteSize.parse(gpuMemory, "--gpu-memory"), gpuMemoryUtilization, maxModelLen,
        maxNumSeqs, maxNumBatchedTokens, images, size == null ? null : size[0], size == null ? null : size[1], tp,
        threads != null ? threads : Runtime.getRuntime().availableProcessors());
    var estimate = Estimate.of(path, options);
    PrintWriter out = spec.commandLine().getOut();
    if (json) out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(estimate));
    else print(estimate, out);
    out.flush();
    return 0;
  }

  static void print(Estimate e, PrintWriter out) {
    out.printf(Locale.ROOT, "%s%n  family %s (%s), %s%s%n%n", e.source(), e.family(), e.architecture(), e.dtype(),
        e.scheme() == null ? "" : ", scheme " + e.scheme() + " (vision-preserving default plan)");
    String after = e.scheme() == null ? "" : e.scheme();
    out.printf(Locale.ROOT, "  %-12s %11s %11s %12s %10s%n", "component", "parameters", e.dtype(), after,
        e.scheme() == null ? "" : "quantized");
    for (var row : e.components()) printRow(out, row, e.scheme() != null);
    printRow(out, e.total(), e.scheme() != null);
    if (e.served().bytes() != e.total().bytes()) {
      printRow(out, e.served(), e.scheme() != null);
      out.printf(Locale.ROOT, "  (served: what vLLM loads; the mtp head only loads as a speculative-decoding drafter)%n");
    }

    var kv = e.kvCache();
    out.printf(Locale.ROOT, "%nKV cache (%s, per GPU)%n", kv.dtype());
    out.printf(Locale.ROOT, "  %d attention layer%s: %s per token (16-bit %s, fp8 %s)%n", kv.fullAttentionLayers()
        + kv.slidingWindowLayers(), kv.fullAttentionLayers() + kv.slidingWindowLayers() == 1 ? "" : "s",
        ByteSize.human(kv.bytesPerToken()), ByteSize.human(kv.bytesPerToken16()), ByteSize.human(kv.bytesPerTokenFp8()));
    if (kv.slidingWindowLayers() > 0) {
      out.printf(Locale.ROOT, "  %d of them slide over %d tokens%n", kv.slidingWindowLayers(), kv.slidingWindow());
    }
    if (kv.linearAttentionLayers() > 0) {
      out.printf(Locale.ROOT, "  %d Gated DeltaNet layers keep a state per sequence instead: conv %s + recurrent %s per layer,"
              + " %s per sequence (padded to %d-token pages)%n", kv.linearAttentionLayers(),
          ByteSize.human(kv.convStateBytesPerLayer()), ByteSize.human(kv.recurrentStateBytesPerLayer()),
          ByteSize.human(kv.stateBytesPerSequence()), kv.blockSize());
    }
    out.printf(Locale.ROOT, "  one sequence of %,d tokens: %s%n", kv.maxModelLen(), ByteSize.human(kv.bytesPerSequence()));

    var v = e.vision();
    out.printf(Locale.ROOT, "%nVision encoder%n  %d image%s of %dx%d%s: %,d patches, %,d tokens each; %,d tokens per request%n",
        v.images(), v.images() == 1 ? "" : "s", v.width(), v.height(), v.largestImage() ? " (largest)" : "",
        v.patchesPerImage(), v.tokensPerImage(), v.tokens());
    if (v.images() > 0) {
      out.printf(Locale.ROOT, "  activation peak ~%s per encoder pass (%d image%s)%n", ByteSize.human(v.activationPeakBytes()),
          v.imagesPerEncoderPass(), v.imagesPerEncoderPass() == 1 ? "" : "s");
    }

    var f = e.fit();
    if (f != null) {
      out.printf(Locale.ROOT, "%nFit: %s x %.2f = %s per GPU (tp %d)%n", ByteSize.human(f.gpuBytes()),
          f.utilization(), ByteSize.human(f.budgetBytes()), f.tp());
      out.printf(Locale.ROOT, "  weights %s + activations ~%s + non-PyTorch ~%s + CUDA graphs ~%s -> KV cache %s%n",
          ByteSize.human(f.weightBytes()), ByteSize.human(f.activationBytes()), ByteSize.human(f.nonTorchBytes()),
          ByteSize.human(f.cudaGraphBytes()), f.kvBytes() > 0 ? ByteSize.human(f.kvBytes()) : "none");
      if (f.fits()) {
        out.printf(Locale.ROOT, "  FITS: %,d concurrent sequence%s of %,d tokens (%s each; vLLM caps at --max-num-seqs %d)%n",
            f.maxSequences(), f.maxSequences() == 1 ? "" : "s", f.maxModelLen(), ByteSize.human(f.sequenceBytes()),
            f.maxNumSeqs());
      } else if (f.kvBytes() <= 0) {
        out.printf(Locale.ROOT, "  DOES NOT FIT: nothing is left for the KV cache; try a smaller scheme, more GPUs (--tp) or a "
            + "higher --gpu-memory-utilization%n");
      } else {
        out.printf(Locale.ROOT, "  DOES NOT FIT: one sequence of %,d tokens needs %s; vLLM refuses to start. The longest that "
            + "fits is %,d tokens (--max-model-len)%n", f.maxModelLen(), ByteSize.human(f.sequenceBytes()),
            f.longestSingleContext());
      }
      if (f.contextAtMaxNumSeqs() != null) {
        out.printf(Locale.ROOT, "  %,d concurrent sequences: %s%n", f.maxNumSeqs(), f.contextAtMaxNumSeqs() > 0
            ? String.format(Locale.ROOT, "up to %,d tokens each", f.contextAtMaxNumSeqs())
            : "do not fit (not even one block and its state each)");
      }
    }

    var q = e.quantizeRun();
    if (q != null) {
      out.printf(Locale.ROOT, "%nQuantize run (%s)%n  disk: writes %s, reads %s%n", e.scheme(), Units.bytes(q.outputBytes()),
          Units.bytes(q.inputBytes()));
      out.printf(Locale.ROOT, "  memory: vlmq streams row bands, ~%d threads x %s (widest: %s) plus the JVM; the input passes "
          + "through the page cache%n", q.threads(), ByteSize.human(q.bandBytes()), q.widestModule());
      out.printf(Locale.ROOT, "          llm-compressor loads the whole model into CPU RAM first: at least %s%n",
          Units.bytes(q.llmCompressorBytes()));
    }
    out.printf(Locale.ROOT, "%n");
    for (var note : e.notes()) out.printf(Locale.ROOT, "note: %s%n", note);
  }

  private static void printRow(PrintWriter out, Estimate.Row row, boolean scheme) {
    out.printf(Locale.ROOT, "  %-12s %11s %11s %12s %10s%n", row.component(), Units.count(row.parameters()),
        Units.bytes(row.bytes()), scheme ? Units.bytes(row.bytesAfterScheme()) : "",
        !scheme ? "" : row.linearModules() == 0 ? "-" : row.quantizedModules() + "/" + row.linearModules());
  }
}
