package vlmq.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;
import vlmq.engine.image.RgbImage;
import vlmq.engine.qwen.ForwardObserver;
import vlmq.engine.qwen.Generation;
import vlmq.engine.qwen.Prompt;
import vlmq.engine.qwen.QwenVlModel;
import vlmq.engine.tensor.Matrix;
import vlmq.engine.tensor.Parallel;
import vlmq.numeric.Kernels;

/**
 * The engine's side of bench/engine.sh: one image + text prompt through greedy generation, timing the vision encoder
 * (until the merged image features exist), the prefill (the rest, until the first token) and the decode steps, as
 * the median and the best of several runs after a warm-up (the best is what the code can do on a machine other work
 * shares; the median what it did). The prompt is {@code vision_start image_pad vision_end} and
 * {@code textTokens} ids {@code (i·7919 + 13) mod 150000}, exactly as tools/bench_engine_torch.py builds it.
 * Prints one JSON object.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Dvlmq.threads=2 -cp target/vlmq.jar vlmq.bench.EngineBench \
 *     MODEL IMAGE.png TEXT_TOKENS DECODE_TOKENS RUNS
 * </pre>
 */
public final class EngineBench {
  private EngineBench() {}

  /** The prompt's token ids: one image, then {@code textTokens} text ids. */
  static int[] tokenIds(QwenVlModel model, int textTokens) {
    var config = model.config();
    int[] text = IntStream.range(0, textTokens).map(i -> (int) ((i * 7919L + 13) % 150000)).toArray();
    int[] ids = new int[3 + textTokens];
    ids[0] = config.visionStartTokenId();
    ids[1] = config.imageTokenId();
    ids[2] = config.visionEndTokenId();
    System.arraycopy(text, 0, ids, 3, textTokens);
    return ids;
  }

  private record Run(double visionSeconds, double prefillSeconds, double decodeSeconds, int[] tokens) {}

  public static void main(String[] args) {
    if (args.length != 5) {
      System.err.println("usage: EngineBench MODEL IMAGE TEXT_TOKENS DECODE_TOKENS RUNS");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    RgbImage image = RgbImage.read(Path.of(args[1]));
    int textTokens = Integer.parseInt(args[2]);
    int decodeTokens = Integer.parseInt(args[3]);
    int runs = Integer.parseInt(args[4]);
    try (QwenVlModel model = QwenVlModel.load(dir)) {
      Prompt prompt = model.prompt(tokenIds(model, textTokens), List.of(image));
      int imageTokens = (int) Arrays.stream(prompt.inputIds()).filter(id -> id == model.config().imageTokenId())
          .count();
      run(model, prompt, decodeTokens); // warm-up: JIT and page cache
      var results = new ArrayList<Run>();
      for (int r = 0; r < runs; r++) results.add(run(model, prompt, decodeTokens));
      double[] vision = results.stream().mapToDouble(Run::visionSeconds).toArray();
      double[] prefill = results.stream().mapToDouble(Run::prefillSeconds).toArray();
      double[] decode = results.stream().mapToDouble(Run::decodeSeconds).toArray();
      System.out.printf(Locale.ROOT, "{\"engine\": \"vlmq\", \"model\": \"%s\", \"threads\": %d, \"kernels\": \"%s\","
          + " \"prompt_tokens\": %d, \"image_tokens\": %d, \"patches\": %d, \"runs\": %d, \"vision_s\": %.4f,"
          + " \"vision_best_s\": %.4f, \"prefill_s\": %.4f, \"prefill_best_s\": %.4f, \"decode_tokens\": %d,"
          + " \"decode_s\": %.4f, \"decode_best_s\": %.4f, \"tokens\": %s}%n", dir.getFileName(), Parallel.chunks(),
          Kernels.get().name(), prompt.length(), imageTokens, prompt.pixels().rows(), runs, median(vision),
          min(vision), median(prefill), min(prefill), decodeTokens, median(decode), min(decode),
          Arrays.toString(results.getLast().tokens()));
    }
  }

  private static Run run(QwenVlModel model, Prompt prompt, int decodeTokens) {
    long[] visionEnd = new long[1];
    var observer = new ForwardObserver() {
      @Override
      public void imageFeatures(Matrix x) {
        visionEnd[0] = System.nanoTime();
      }
    };
    long[] tokenTimes = new long[decodeTokens];
    int[] produced = new int[1];
    long start = System.nanoTime();
    Generation g = model.generate(prompt, decodeTokens, Set.of(), observer,
        token -> tokenTimes[produced[0]++] = System.nanoTime());
    return new Run((visionEnd[0] - start) / 1e9, (tokenTimes[0] - visionEnd[0]) / 1e9,
        (tokenTimes[decodeTokens - 1] - tokenTimes[0]) / 1e9, g.tokens());
  }

  private static double min(double[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
