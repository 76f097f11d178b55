package vlmq.estimate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import vlmq.VlmqException;
import vlmq.engine.image.ImageProcessorConfig;
import vlmq.model.Component;
import vlmq.model.Family;
import vlmq.model.ModelConfig;
import vlmq.numeric.DType;
import vlmq.plan.QuantizationPlan.Totals;

/**
 * {@code vlmq estimate}'s answer, from config.json alone: weights per component before and after a scheme, the KV
 * cache and recurrent state per token and sequence, the vision encoder's tokens and activation peak, whether it
 * fits a GPU under vLLM's accounting, and what the quantize run needs. Fields serialize as the {@code --json} report.
 *
 * @param source the config.json read
 * @param scheme the preset sized, or null
 * @param components one row per component present
 * @param total the whole checkpoint
 * @param served what vLLM loads (the checkpoint without Qwen3.5's mtp head)
 * @param fit null when no GPU memory was given
 * @param quantizeRun null without a scheme
 * @param notes which figures are approximations and why
 */
public record Estimate(String source, String family, String architecture, String dtype, String scheme,
    List<Row> components, Row total, Row served, Kv kvCache, Vision vision, ServingFit fit, QuantizeRun quantizeRun,
    List<String> notes) {

  /** One component's weights; {@code bytesAfterScheme} equals {@code bytes} without a scheme. */
  public record Row(String component, long parameters, int linearModules, int quantizedModules, long bytes,
      long bytesAfterScheme) {
    static Row of(String name, Totals t) {
      return new Row(name, t.parameters(), t.linearModules(), t.quantizedModules(), t.bytesBefore(), t.bytesAfter());
    }
  }

  /**
   * The KV cache on one GPU.
   *
   * @param bytesPerToken16 K/V bytes per token with a 16-bit cache (the bf16 default)
   * @param bytesPerTokenFp8 the same with {@code --kv-cache-dtype fp8}
   * @param bytesPerToken the same with the requested cache dtype
   * @param stateBytesPerSequence Gated DeltaNet state per sequence (all linear layers, padded to attention pages)
   */
  public record Kv(String dtype, int bytesPerElement, long fullAttentionLayers, long slidingWindowLayers,
      long slidingWindow, long linearAttentionLayers, long crossAttentionLayers, long bytesPerToken16,
      long bytesPerTokenFp8, long bytesPerToken, long blockSize, long convStateBytesPerLayer,
      long recurrentStateBytesPerLayer, long stateBytesPerSequence, long maxModelLen, long bytesPerSequence) {}

  /**
   * The vision encoder's load for the requested images.
   *
   * @param largestImage true when no size was given and the processor's largest image (vLLM's profiling input) is
   *     assumed
   * @param imagesPerEncoderPass images vLLM encodes together within its encoder budget
   *     ({@code max(max_num_batched_tokens, tokens per image)} tokens)
   * @param activationPeakBytes the encoder's activation peak for one pass
   */
  public record Vision(int images, int width, int height, boolean largestImage, long patchesPerImage,
      long tokensPerImage, long tokens, int imagesPerEncoderPass, long activationPeakBytes) {}

  /** Estimates the model of {@code path}: a model directory or its config.json. */
  public static Estimate of(Path path, EstimateOptions options) {
    var configFile = Files.isDirectory(path) ? path.resolve("config.json") : path;
    var config = ModelConfig.read(configFile);
    var model = ModelTensors.of(config);
    var family = model.family();
    var text = model.text();
    var weights = Weights.of(config, model, options.scheme());

    var rows = new ArrayList<Row>();
    for (var c : Component.values()) {
      var t = weights.component(c);
      if (t.parameters() > 0) rows.add(Row.of(c == Component.OTHER ? "other (mtp)" : c.id(), t));
    }

    long maxModelLen = options.maxModelLen() != null ? options.maxModelLen() : text.maxPositions();
    if (maxModelLen < 1) {
      throw new VlmqException(configFile + " has no max_position_embeddings; give --max-model-len");
    }
    var cache = KvCache.of(text, options.kvCacheDtype(), model.dtype(), options.tp());
    var kv = new Kv(options.kvCacheDtype(), cache.elementBytes(), cache.fullLayers(), cache.slidingLayers(),
        cache.slidingWindow(), cache.linearLayers(), cache.crossLayers(),
        KvCache.of(text, "bfloat16", model.dtype(), options.tp()).bytesPerToken(),
        KvCache.of(text, "fp8", model.dtype(), options.tp()).bytesPerToken(), cache.bytesPerToken(),
        cache.blockSize(), cache.convStateBytes(), cache.ssmStateBytes(), cache.stateBytesPerSequence(), maxModelLen,
        cache.bytesPerSequence(maxModelLen));

    int activationBytes = model.dtype().bits() / 8;
    var vision = vision(family, config, configFile, text.hidden(), options, activationBytes);

    ServingFit fit = null;
    if (options.gpuMemory() != null) {
      long lm = LanguageActivations.peakBytes(text, options.tp(), options.effectiveMaxNumBatchedTokens(),
          options.effectiveMaxNumSeqs(), activationBytes);
      long activation = Math.max(lm, vision.activationPeakBytes());
      fit = ServingFit.of(options.gpuMemory(), options.gpuMemoryUtilization(), options.tp(),
          weights.served().bytesAfter(), activation, cache, maxModelLen, options.effectiveMaxNumSeqs(),
          options.maxNumSeqs() != null);
    }
    var run = weights.plan().map(p -> QuantizeRun.of(p, options.threads())).orElse(null);
    return new Estimate(configFile.toString(), family.id(), config.architecture(), model.dtype().name(),
        options.scheme(), List.copyOf(rows), Row.of("total", weights.total()), Row.of("served", weights.served()), kv,
        vision, fit, run, notes(model, cache, vision, options));
  }

  private static Vision vision(Family family, ModelConfig config, Path configFile, long textHidden,
      EstimateOptions options, int bytes) {
    var dir = configFile.toAbsolutePath().getParent();
    ImageProcessorConfig processor = null;
    boolean qwen = family == Family.QWEN2_VL || family == Family.QWEN2_5_VL || family == Family.QWEN3_VL
        || family == Family.QWEN3_5;
    if (qwen && dir != null && (Files.isRegularFile(dir.resolve("preprocessor_config.json"))
        || Files.isRegularFile(dir.resolve("processor_config.json")))) {
      processor = ImageProcessorConfig.forCheckpoint(dir);
    }
    var encoder = VisionEncoder.of(family, config, textHidden, processor);
    boolean largest = options.imageWidth() == null;
    int[] size = largest ? encoder.largestImage() : new int[] {options.imageWidth(), options.imageHeight()};
    var image = encoder.image(size[0], size[1]);
    long budget = Math.max(options.effectiveMaxNumBatchedTokens(), image.tokens());
    int perPass = (int) Math.min(Math.max(1, options.images()), Math.max(1, budget / Math.max(1, image.tokens())));
    long peak = options.images() == 0 ? 0
        : encoder.peakBytes(perPass * image.patches(), perPass * image.tokens(), bytes);
    return new Vision(options.images(), size[0], size[1], largest, image.patches(), image.tokens(),
        options.images() * image.tokens(), options.images() == 0 ? 0 : perPass, peak);
  }

  private static List<String> notes(ModelTensors model, KvCache cache, Vision vision, EstimateOptions options) {
    var notes = new ArrayList<String>();
    long nonTorch = options.tp() == 1 ? ServingFit.NON_TORCH_TP1 : ServingFit.NON_TORCH_TPN;
    notes.add("weights, KV cache per token and recurrent state are exact for the config; activation peaks, the "
        + "non-PyTorch reserve (" + ByteSize.gib(nonTorch) + ") and the CUDA-graph allowance ("
        + ByteSize.gib(ServingFit.CUDA_GRAPHS) + ") are approximations of what vLLM measures at startup");
    if (options.tp() > 1) {
      notes.add("tensor parallel: weights are split " + options.tp() + " ways (norms and biases vLLM replicates "
          + "are not added), KV heads per GPU are num_key_value_heads / tp (at least 1)");
    }
    if (cache.linearLayers() > 0) {
      notes.add("Gated DeltaNet state in the model dtype (vLLM's default --mamba-ssm-cache-dtype auto); config.json's "
          + "mamba_ssm_dtype float32 doubles the recurrent part if passed to vLLM; one state per sequence "
          + "(prefix caching of states keeps more)");
    }
    if (cache.crossLayers() > 0) {
      notes.add("Mllama cross-attention layers cache the image's encoder states per request, not per token; not "
          + "counted in the per-token figure");
    }
    if (vision.largestImage()) {
      notes.add("no --image-size: sized for the largest image the processor produces, which is what vLLM profiles "
          + "and reserves for; limit it with --mm-processor-kwargs (max_pixels) to free KV cache");
    }
    switch (model.family()) {
      case QWEN2_VL, QWEN2_5_VL, QWEN3_VL, QWEN3_5 -> { }
      case MISTRAL3 -> notes.add("vision tokens: the image scaled into the tower's image_size as Pixtral's processor "
          + "does (one token per merged patch plus a break per row)");
      default -> notes.add("vision tokens: one tile at the tower's image_size (tiling and any-resolution "
          + "processors add tiles)");
    }
    if (model.dtype() != DType.BF16) notes.add("checkpoint dtype " + model.dtype() + " from config.json");
    return List.copyOf(notes);
  }
}
