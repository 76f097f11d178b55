package vlmq.engine.qwen;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import vlmq.VlmqException;
import vlmq.engine.image.ImageProcessorConfig;
import vlmq.engine.image.PixelValues;
import vlmq.engine.image.QwenImageProcessor;
import vlmq.engine.image.RgbImage;
import vlmq.engine.tensor.Matrix;
import vlmq.engine.tensor.Weights;
import vlmq.model.ModelConfig;

/**
 * A Qwen2-VL, Qwen2.5-VL, Qwen3-VL or Qwen3.5 checkpoint ready to run in float32 on the CPU, its weights
 * memory-mapped: {@link #prompt} prepares token ids and images, {@link #forward} returns the logits of every
 * position, {@link #generate} decodes with a KV cache (and Qwen3.5's recurrent states), greedily or with a
 * {@link Sampler}. A {@link ForwardObserver} sees the activations transformers'
 * forward hooks would.
 *
 * <pre>{@code
 * try (var model = QwenVlModel.load(dir)) {
 *   Prompt prompt = model.prompt(ids, List.of(RgbImage.read(png)));   // one image_pad id per image
 *   float[] logits = model.forward(prompt, ForwardObserver.NONE);      // [prompt.length(), vocabSize()]
 *   Generation out = model.generate(prompt, 32, model.stopTokens(), ForwardObserver.NONE, token -> {});
 * }
 * }</pre>
 */
public final class QwenVlModel implements AutoCloseable {
  private final QwenVlConfig config;
  private final Weights weights;
  private final QwenVision vision;
  private final QwenText text;
  private final ImageProcessorConfig imageProcessorConfig;
  private final boolean defaultImageProcessor;
  private final Set<Integer> stopTokens;
  private final double repetitionPenalty;

  private QwenVlModel(QwenVlConfig config, Weights weights, ImageProcessorConfig imageProcessorConfig,
      boolean defaultImageProcessor, Set<Integer> stopTokens, double repetitionPenalty) {
    this.config = config;
    this.weights = weights;
    this.vision = new QwenVision(config.vision(), config.variant(), weights);
    this.text = new QwenText(config.text(), config.variant(), weights);
    this.imageProcessorConfig = imageProcessorConfig;
    this.defaultImageProcessor = defaultImageProcessor;
    this.stopTokens = Set.copyOf(stopTokens);
    this.repetitionPenalty = repetitionPenalty;
  }

  /**
   * Loads the model folder {@code dir}: config.json, the safetensors files (either key layout), the image processor
   * settings (preprocessor_config.json, or the family's published values when the folder has none), the stop
   * tokens (generation_config.json's {@code eos_token_id}, else config.json's) and generation_config.json's
   * {@code repetition_penalty}.
   */
  public static QwenVlModel load(Path dir) {
    ModelConfig modelConfig = ModelConfig.read(dir.resolve("config.json"));
    QwenVlConfig config = QwenVlConfig.of(modelConfig);
    boolean hasProcessor = Files.isRegularFile(dir.resolve("preprocessor_config.json"))
        || Files.isRegularFile(dir.resolve("processor_config.json"));
    ImageProcessorConfig processor = hasProcessor ? ImageProcessorConfig.forCheckpoint(dir)
        : config.variant().qwen3Family() ? ImageProcessorConfig.qwen3vlDefaults()
            : ImageProcessorConfig.qwen25vlDefaults();
    JsonNode generation = generationConfig(dir.resolve("generation_config.json"));
    var stop = new LinkedHashSet<Integer>();
    JsonNode eos = generation.path("eos_token_id");
    if (eos.isIntegralNumber()) stop.add(eos.asInt());
    eos.forEach(n -> stop.add(n.asInt()));
    if (stop.isEmpty()) stop.addAll(config.text().eosTokenIds());
    double penalty = generation.path("repetition_penalty").asDouble(1.0);
    if (!(penalty > 0)) {
      throw new VlmqException(dir.resolve("generation_config.json") + ": repetition_penalty must be positive, not "
          + generation.path("repetition_penalty"));
    }
    Weights weights = Weights.open(dir, modelConfig);
    try {
      return new QwenVlModel(config, weights, processor, !hasProcessor, stop, penalty);
    } catch (RuntimeException e) {
      weights.close();
      throw e;
    }
  }

  /** generation_config.json, or an empty object when the folder has none. */
  private static JsonNode generationConfig(Path file) {
    if (!Files.isRegularFile(file)) return MissingNode.getInstance();
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (JacksonException e) {
      throw new VlmqException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new VlmqException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  public QwenVlConfig config() {
    return config;
  }

  public int vocabSize() {
    return text.vocabSize();
  }

  /** The image processor settings prompts are prepared with. */
  public ImageProcessorConfig imageProcessorConfig() {
    return imageProcessorConfig;
  }

  /** True when the folder has no preprocessor_config.json and the family's published values stand in. */
  public boolean usesDefaultImageProcessor() {
    return defaultImageProcessor;
  }

  /** The token ids that end {@link #generate} (e.g. {@code <|im_end|>}, {@code <|endoftext|>}). */
  public Set<Integer> stopTokens() {
    return stopTokens;
  }

  /** generation_config.json's {@code repetition_penalty} (1 when absent: no penalty). */
  public double repetitionPenalty() {
    return repetitionPenalty;
  }

  /** Preprocesses {@code images} as transformers' image processor does, then {@code prompt(tokenIds, pixels)}. */
  public Prompt prompt(int[] tokenIds, List<RgbImage> images) {
    return prompt(tokenIds, new QwenImageProcessor(imageProcessorConfig).process(images));
  }

  /**
   * A prompt from token ids and already processed images. Each image is referred to by one image_pad id (between
   * vision_start and vision_end, as the chat template writes it), which is expanded to the image's token count;
   * ids that are already expanded (one image_pad per token, as transformers' processor returns them) are kept.
   */
  public Prompt prompt(int[] tokenIds, PixelValues pixels) {
    int images = pixels.gridThw().size();
    int pads = 0;
    int tokens = 0;
    for (int id : tokenIds) pads += id == config.imageTokenId() ? 1 : 0;
    for (int i = 0; i < images; i++) tokens += pixels.tokens(i);
    if (pads == tokens) return new Prompt(tokenIds, pixels);
    if (pads != images) {
      throw new VlmqException("the token ids hold " + pads + " image_pad token(s) (id " + config.imageTokenId()
          + ") for " + images + " image(s): put one image_pad id per image, between vision_start ("
          + config.visionStartTokenId() + ") and vision_end (" + config.visionEndTokenId() + ")");
    }
    var ids = new ArrayList<Integer>();
    int image = 0;
    for (int id : tokenIds) {
      int copies = id == config.imageTokenId() ? pixels.tokens(image++) : 1;
      for (int c = 0; c < copies; c++) ids.add(id);
    }
    return new Prompt(ids.stream().mapToInt(Integer::intValue).toArray(), pixels);
  }

  /** The logits {@code [prompt.length(), vocabSize()]} of one forward pass over the prompt, row-major. */
  public float[] forward(Prompt prompt, ForwardObserver observer) {
    long values = (long) prompt.length() * vocabSize();
    if (values > Integer.MAX_VALUE - 8) {
      throw new VlmqException("the logits of " + prompt.length() + " positions × " + vocabSize() + " tokens exceed"
          + " one Java array; use a shorter prompt");
    }
    var cache = text.new Cache(prompt.length());
    var workspace = text.new Workspace(prompt.length(), prompt.length());
    float[] hidden = prefill(prompt, cache, workspace, observer).hidden;
    float[] logits = new float[(int) values];
    text.logits(hidden, 0, prompt.length(), workspace.normed, logits);
    return logits;
  }

  /**
   * Greedy decoding (the arg-max token, the lowest id on ties, as {@code generate(do_sample=False)}): see
   * {@link #generate(Prompt, int, Set, Sampler, ForwardObserver, IntConsumer)}.
   */
  public Generation generate(Prompt prompt, int maxNewTokens, Set<Integer> stop, ForwardObserver observer,
      IntConsumer onToken) {
    return generate(prompt, maxNewTokens, stop, Sampler.greedy(), observer, onToken);
  }

  /**
   * Generates up to {@code maxNewTokens} tokens chosen by {@code sampler}, ending after the first token in
   * {@code stop}; {@code onToken} sees each token as it is produced. The model's caches (keys and values, the
   * DeltaNet states) and buffers are allocated once; nothing is allocated per token.
   */
  public Generation generate(Prompt prompt, int maxNewTokens, Set<Integer> stop, Sampler sampler,
      ForwardObserver observer, IntConsumer onToken) {
    if (maxNewTokens < 1) throw new IllegalArgumentException("maxNewTokens must be positive: " + maxNewTokens);
    long started = System.nanoTime();
    int capacity = prompt.length() + maxNewTokens;
    var cache = text.new Cache(capacity);
    var prefillSpace = text.new Workspace(prompt.length(), capacity);
    Prefill prefill = prefill(prompt, cache, prefillSpace, observer);
    int c = text.hiddenSize();
    float[] logits = new float[vocabSize()];
    text.logits(prefill.hidden, prompt.length() - 1, 1, prefillSpace.normed, logits);
    long prefilled = System.nanoTime();

    var step = text.new Workspace(1, capacity);
    float[] x = new float[c];
    int[] token = new int[1];
    int[][] position = new int[3][1];
    int[] sequence = Arrays.copyOf(prompt.inputIds(), capacity);
    int produced = 0;
    boolean stopped;
    while (true) {
      token[0] = sampler.next(logits, sequence, prompt.length() + produced);
      sequence[prompt.length() + produced++] = token[0];
      onToken.accept(token[0]);
      stopped = stop.contains(token[0]);
      if (stopped || produced == maxNewTokens) break;
      text.embed(token, 1, x);
      int p = prefill.positions.next(cache.length);
      for (int r = 0; r < 3; r++) position[r][0] = p;
      text.forward(x, 1, position, 0, cache, QwenText.Deepstack.NONE, observer, step);
      text.logits(x, 0, 1, step.normed, logits);
    }
    long done = System.nanoTime();
    var timings = new Generation.Timings(prefill.visionNanos, prefilled - started - prefill.visionNanos,
        prompt.length(), done - prefilled, produced - 1);
    return new Generation(Arrays.copyOfRange(sequence, prompt.length(), prompt.length() + produced), stopped,
        timings);
  }

  private record Prefill(float[] hidden, MropePositions positions, long visionNanos) {}

  /** Vision tower, feature merge, positions and every decoder layer over the prompt; fills the cache. */
  private Prefill prefill(Prompt prompt, QwenText.Cache cache, QwenText.Workspace workspace,
      ForwardObserver observer) {
    int[] ids = prompt.inputIds();
    int n = ids.length;
    int c = text.hiddenSize();
    for (int id : ids) {
      if (id < 0 || id >= vocabSize()) {
        throw new VlmqException("token id " + id + " is outside the vocabulary [0, " + vocabSize() + ")");
      }
    }
    long visionStart = System.nanoTime();
    VisionFeatures features = vision.encode(prompt.pixels(), observer);
    long visionNanos = prompt.pixels().rows() == 0 ? 0 : System.nanoTime() - visionStart;
    var positions = MropePositions.of(ids, prompt.pixels().gridThw(), config.imageTokenId(),
        config.vision().mergeSize());
    observer.positions(positions.rows(), positions.ropeDelta());

    float[] x = new float[n * c];
    text.embed(ids, n, x);
    int[] imageRows = IntStream.range(0, n).filter(i -> ids[i] == config.imageTokenId()).toArray();
    if (imageRows.length != features.tokens()) {
      throw new VlmqException("image features and image tokens do not match: " + imageRows.length + " image_pad "
          + "tokens, " + features.tokens() + " feature rows");
    }
    for (int k = 0; k < imageRows.length; k++) System.arraycopy(features.features(), k * c, x, imageRows[k] * c, c);
    observer.inputEmbeddings(new Matrix(x, n, c));

    var deepstack = new QwenText.Deepstack(imageRows, features.deepstack());
    text.forward(x, n, positions.rows(), 0, cache, deepstack, observer, workspace);
    return new Prefill(x, positions, visionNanos);
  }

  @Override
  public void close() {
    weights.close();
  }
}
