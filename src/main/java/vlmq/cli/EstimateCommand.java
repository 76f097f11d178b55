package vlmq.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import vlmq.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vlmq.estimate.ByteSize;
import vlmq.estimate.Estimate;
import vlmq.estimate.EstimateOptions;
import vlmq.estimate.QuantizeRun;
import vlmq.estimate.ServingFit;

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
    if (json) {
      out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(estimate));
    } else {
      print(estimate, out);
    }
    out.flush();
    return 0;
  }

  static void print(Estimate e, PrintWriter out) {
    line(out, "%s", e.source());
    line(out, "  family %s (%s), %s%s%n", e.family(), e.architecture(), e.dtype(),
        e.scheme() == null ? "" : ", scheme " + e.scheme() + " (vision-preserving default plan)");
    weights(e, out);
    kvCache(e.kvCache(), out);
    vision(e.vision(), out);
    if (e.fit() != null) fit(e.fit(), out);
    if (e.quantizeRun() != null) quantizeRun(e.scheme(), e.quantizeRun(), out);
    line(out, "");
    for (var note : e.notes()) line(out, "note: %s", note);
  }

  private static void weights(Estimate e, PrintWriter out) {
    boolean scheme = e.scheme() != null;
    line(out, "  %-12s %11s %11s %12s %10s", "component", "parameters", e.dtype(), scheme ? e.scheme() : "",
        scheme ? "quantized" : "");
    for (var row : e.components()) row(out, row, scheme);
    row(out, e.total(), scheme);
    if (e.served().bytes() != e.total().bytes()) {
      row(out, e.served(), scheme);
      line(out, "  (served: what vLLM loads; the mtp head loads only as a speculative-decoding drafter)");
    }
  }

  private static void kvCache(Estimate.Kv kv, PrintWriter out) {
    long attention = kv.fullAttentionLayers() + kv.slidingWindowLayers();
    line(out, "%nKV cache (%s: %d byte%s per element, per GPU)", kv.dtype(), kv.bytesPerElement(),
        kv.bytesPerElement() == 1 ? "" : "s");
    line(out, "  %d attention layer%s: %s per token (16-bit %s, fp8 %s)", attention, attention == 1 ? "" : "s",
        ByteSize.human(kv.bytesPerToken()), ByteSize.human(kv.bytesPerToken16()),
        ByteSize.human(kv.bytesPerTokenFp8()));
    if (kv.slidingWindowLayers() > 0) {
      line(out, "  %d of them slide over %d tokens", kv.slidingWindowLayers(), kv.slidingWindow());
    }
    if (kv.linearAttentionLayers() > 0) {
      line(out, "  %d Gated DeltaNet layers keep a state per sequence instead: conv %s + recurrent %s per layer, "
          + "%s per sequence (padded to %d-token pages)", kv.linearAttentionLayers(),
          ByteSize.human(kv.convStateBytesPerLayer()), ByteSize.human(kv.recurrentStateBytesPerLayer()),
          ByteSize.human(kv.stateBytesPerSequence()), kv.blockSize());
    }
    line(out, "  one sequence of %,d tokens: %s", kv.maxModelLen(), ByteSize.human(kv.bytesPerSequence()));
  }

  private static void vision(Estimate.Vision v, PrintWriter out) {
    line(out, "%nVision encoder");
    line(out, "  %d image%s of %dx%d%s: %,d patches, %,d tokens each; %,d tokens per request", v.images(),
        v.images() == 1 ? "" : "s", v.width(), v.height(), v.largestImage() ? " (largest)" : "",
        v.patchesPerImage(), v.tokensPerImage(), v.tokens());
    if (v.images() > 0) {
      line(out, "  activation peak ~%s per encoder pass (%d image%s)", ByteSize.human(v.activationPeakBytes()),
          v.imagesPerEncoderPass(), v.imagesPerEncoderPass() == 1 ? "" : "s");
    }
  }

  private static void fit(ServingFit f, PrintWriter out) {
    line(out, "%nFit: %s x %.2f = %s per GPU (tp %d)", ByteSize.human(f.gpuBytes()), f.utilization(),
        ByteSize.human(f.budgetBytes()), f.tp());
    line(out, "  weights %s + activations ~%s + non-PyTorch ~%s + CUDA graphs ~%s -> KV cache %s",
        ByteSize.human(f.weightBytes()), ByteSize.human(f.activationBytes()), ByteSize.human(f.nonTorchBytes()),
        ByteSize.human(f.cudaGraphBytes()), f.kvBytes() > 0 ? ByteSize.human(f.kvBytes()) : "none");
    if (f.fits()) {
      line(out, "  FITS: %,d concurrent sequence%s of %,d tokens (%s each; vLLM caps at --max-num-seqs %d)",
          f.maxSequences(), f.maxSequences() == 1 ? "" : "s", f.maxModelLen(), ByteSize.human(f.sequenceBytes()),
          f.maxNumSeqs());
    } else if (f.kvBytes() <= 0) {
      line(out, "  DOES NOT FIT: nothing is left for the KV cache; try a smaller scheme, more GPUs (--tp) or a "
          + "higher --gpu-memory-utilization");
    } else {
      line(out, "  DOES NOT FIT: one sequence of %,d tokens needs %s; vLLM refuses to start. The longest that fits "
          + "is %,d tokens (--max-model-len)", f.maxModelLen(), ByteSize.human(f.sequenceBytes()),
          f.longestSingleContext());
    }
    if (f.contextAtMaxNumSeqs() != null) {
      line(out, "  %,d concurrent sequences: %s", f.maxNumSeqs(), f.contextAtMaxNumSeqs() > 0
          ? String.format(Locale.ROOT, "up to %,d tokens each", f.contextAtMaxNumSeqs())
          : "do not fit (not even one block and its state each)");
    }
  }

  private static void quantizeRun(String scheme, QuantizeRun q, PrintWriter out) {
    line(out, "%nQuantize run (%s)", scheme);
    line(out, "  disk: writes %s, reads %s", Units.bytes(q.outputBytes()), Units.bytes(q.inputBytes()));
    line(out, "  memory: vlmq streams row bands, ~%d threads x %s (widest: %s) plus the JVM; the input passes "
        + "through the page cache", q.threads(), ByteSize.human(q.bandBytes()), q.widestModule());
    line(out, "          llm-compressor loads the whole model into CPU RAM first: at least %s",
        Units.bytes(q.llmCompressorBytes()));
  }

  private static void line(PrintWriter out, String format, Object... args) {
    out.println(String.format(Locale.ROOT, format, args));
  }

  private static void row(PrintWriter out, Estimate.Row row, boolean scheme) {
    line(out, "  %-12s %11s %11s %12s %10s", row.component(), Units.count(row.parameters()),
        Units.bytes(row.bytes()), scheme ? Units.bytes(row.bytesAfterScheme()) : "",
        !scheme ? "" : row.linearModules() == 0 ? "-" : row.quantizedModules() + "/" + row.linearModules());
  }
}
