package vlmq.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vlmq.VlmqException;
import vlmq.engine.image.RgbImage;
import vlmq.engine.qwen.ChatMessage;
import vlmq.engine.qwen.ForwardObserver;
import vlmq.engine.qwen.Generation;
import vlmq.engine.qwen.Prompt;
import vlmq.engine.qwen.QwenChat;
import vlmq.engine.qwen.QwenVlModel;
import vlmq.engine.qwen.Sampler;
import vlmq.engine.tokenizer.TokenStream;
import vlmq.engine.tokenizer.Tokenizer;

/**
 * {@code vlmq run}: one chat turn on a checkpoint in float32 on the CPU — the checkpoint's chat template, tokenizer
 * and stop tokens, the answer streamed to stdout as it is generated, and the speeds on stderr, so stdout holds the
 * answer alone.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {"Answer a prompt about images with a Qwen2-VL, Qwen2.5-VL, Qwen3-VL or Qwen3.5 checkpoint, in "
        + "float32 on the CPU.",
        "The answer goes to stdout as it is generated; the vision encoder's time and the prefill and decode speeds "
            + "go to stderr."},
    footer = {"", "Decoding is greedy unless --temperature is above 0; the repetition penalty defaults to the "
        + "checkpoint's generation_config.json, as in transformers' generate.", "", "Example:",
        "  vlmq run ~/models/Qwen2.5-VL-3B-Instruct --image cat.png --prompt \"What is in this picture?\""})
final class RunCommand implements Callable<Integer> {
  @Parameters(paramLabel = "<model>", description = "Checkpoint folder (config.json, *.safetensors, tokenizer.json).")
  Path model;

  @Option(names = "--prompt", required = true, paramLabel = "<text>", description = "The user's message.")
  String prompt;

  @Option(names = "--image", paramLabel = "<file>", description = "A PNG or JPEG image, placed before the prompt "
      + "text; repeat for several, in order.")
  List<Path> images = new ArrayList<>();

  @Option(names = "--system", paramLabel = "<text>", description = "A system message (Qwen2/2.5-VL's template "
      + "otherwise puts 'You are a helpful assistant.').")
  String system;

  @Option(names = "--max-tokens", defaultValue = "256", paramLabel = "<n>", description = "At most this many "
      + "tokens in the answer (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--temperature", defaultValue = "0", paramLabel = "<t>", description = "Sample with this "
      + "temperature; 0 (default) decodes greedily.")
  double temperature;

  @Option(names = "--top-p", defaultValue = "1", paramLabel = "<p>", description = "When sampling, draw from the "
      + "most likely tokens that make up this much probability (default: ${DEFAULT-VALUE}, all).")
  double topP;

  @Option(names = "--top-k", defaultValue = "0", paramLabel = "<k>", description = "When sampling, draw from the k "
      + "most likely tokens (default: ${DEFAULT-VALUE}, all).")
  int topK;

  @Option(names = "--seed", paramLabel = "<n>", description = "Seed of the sampling (default: a random one).")
  Long seed;

  @Option(names = "--repetition-penalty", paramLabel = "<r>", description = "Divide the positive logits (and "
      + "multiply the negative ones) of tokens already in the sequence by r (default: the checkpoint's "
      + "generation_config.json, else 1).")
  Double repetitionPenalty;

  @Option(names = "--no-thinking", description = "Qwen3.5: open the answer with an empty <think></think> block, as "
      + "enable_thinking=False does.")
  boolean noThinking;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (maxTokens < 1) throw new VlmqException("--max-tokens must be at least 1, not " + maxTokens);
    if (!(temperature >= 0)) throw new VlmqException("--temperature must be 0 or more, not " + temperature);
    if (!(topP > 0 && topP <= 1)) throw new VlmqException("--top-p must be in (0, 1], not " + topP);
    if (topK < 0) throw new VlmqException("--top-k must be 0 (off) or more, not " + topK);
    if (repetitionPenalty != null && !(repetitionPenalty > 0)) {
      throw new VlmqException("--repetition-penalty must be positive, not " + repetitionPenalty);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<RgbImage> decoded = images.stream().map(RgbImage::read).toList();
    try (QwenVlModel qwen = QwenVlModel.load(model); Tokenizer tokenizer = Tokenizer.load(model)) {
      if (!images.isEmpty() && qwen.usesDefaultImageProcessor()) {
        err.println("vlmq: note: " + model + " has no preprocessor_config.json; images are prepared with the "
            + "published " + qwen.config().variant() + " settings");
      }
      var messages = new ArrayList<ChatMessage>();
      if (system != null) messages.add(ChatMessage.system(system));
      var content = new ArrayList<ChatMessage.Part>();
      decoded.forEach(image -> content.add(new ChatMessage.Image()));
      content.add(new ChatMessage.Text(prompt));
      messages.add(ChatMessage.user(content));
      String text = QwenChat.render(qwen.config().variant(), messages, true, !noThinking);
      Prompt input = qwen.prompt(tokenizer.encode(text), decoded);

      // transformers stops at generation_config's eos ids; a chat turn also ends at <|im_end|>
      var stop = new LinkedHashSet<>(qwen.stopTokens());
      tokenizer.tokenId("<|im_end|>").ifPresent(stop::add);
      Sampler sampler = Sampler.of(temperature, topK, topP,
          repetitionPenalty != null ? repetitionPenalty : qwen.repetitionPenalty(),
          seed != null ? seed : System.nanoTime());

      boolean terminal = System.console() != null && System.console().isTerminal();
      TokenStream stream = tokenizer.stream(true);
      Generation generation = qwen.generate(input, maxTokens, stop, sampler, ForwardObserver.NONE, token -> {
        out.print(stream.add(token));
        if (terminal) out.flush();
      });
      out.println(stream.finish());
      out.flush();
      long imageTokens = Arrays.stream(input.inputIds()).filter(id -> id == qwen.config().imageTokenId()).count();
      err.println(summary(generation, decoded.size(), imageTokens, tokenizer));
      err.flush();
    }
    return 0;
  }

  /** One line: the vision encoder's time, prefill and decode speeds, and why the answer ended. */
  private static String summary(Generation g, int images, long imageTokens, Tokenizer tokenizer) {
    Generation.Timings t = g.timings();
    int[] tokens = g.tokens();
    String end = g.stopped() ? "stopped at " + tokenizer.decode(new int[] {tokens[tokens.length - 1]}, false)
        : "reached --max-tokens";
    String vision = images == 0 ? "no images"
        : String.format(Locale.ROOT, "vision encoder %.0f ms (%d image%s, %d tokens)", t.visionNanos() / 1e6, images,
            images == 1 ? "" : "s", imageTokens);
    return String.format(Locale.ROOT, "vlmq run: %s; prefill %d tokens, %.1f tok/s; decode %d tokens, %.1f tok/s;"
        + " %d tokens generated, %s", vision, t.promptTokens(), t.prefillTokensPerSecond(), t.decodedTokens(),
        t.decodeTokensPerSecond(), tokens.length, end);
  }
}
