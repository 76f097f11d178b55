package vlmq.engine.compare;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;
import vlmq.engine.image.RgbImage;
import vlmq.engine.qwen.QwenVlModel;
import vlmq.engine.tensor.Weights;
import vlmq.engine.tokenizer.Tokenizer;
import vlmq.model.ModelConfig;

/**
 * A baseline checkpoint against its quantized version: weight error per quantized Linear, then the logits and greedy
 * generations of both models on the same prompts (see {@link LogitComparison}), all in float32 on the CPU with the
 * quantized weights read in place and vLLM's dynamic activation quantization emulated.
 *
 * <pre>{@code
 * ComparisonReport r = ModelComparison.run(new ModelComparison.Options(bf16Dir, fp8Dir, null, null, 32, true),
 *     System.err::println);
 * System.out.print(r.text());
 * }</pre>
 */
public final class ModelComparison {
  /**
   * @param prompts a prompts file ({@link ComparePrompts#read}), or null for the built-in prompts
   * @param images a folder of PNG/JPEG images, or null for synthetic ones
   * @param greedyTokens tokens to decode greedily per prompt and model (0: none)
   * @param weights whether to measure the weight error
   */
  public record Options(Path baseline, Path quantized, Path prompts, Path images, int greedyTokens, boolean weights) {
    public Options {
      if (greedyTokens < 0) throw new IllegalArgumentException("greedyTokens " + greedyTokens);
    }
  }

  private ModelComparison() {}

  /** Runs the comparison; {@code progress} hears one line per step. */
  public static ComparisonReport run(Options options, Consumer<String> progress) {
    var notes = new LinkedHashSet<String>();
    ComparisonReport.WeightSummary weights = null;
    try (Weights base = Weights.open(options.baseline(), ModelConfig.read(options.baseline().resolve("config.json")));
        Weights quant = Weights.open(options.quantized(),
            ModelConfig.read(options.quantized().resolve("config.json")))) {
      if (options.weights()) {
        progress.accept("weights: comparing every quantized Linear with the baseline");
        weights = ComparisonReport.WeightSummary.of(WeightErrors.measure(base, quant));
      } else {
        for (Weights.LinearModule m : quant.linearModules()) quant.linear(m.name() + ".weight", m.rows(), m.cols());
      }
      notes.addAll(quant.quantizationNotes());
    }
    var results = new ArrayList<LogitComparison.Result>();
    boolean hasTokenizer = Files.isRegularFile(options.baseline().resolve("tokenizer.json"));
    try (QwenVlModel base = QwenVlModel.load(options.baseline());
        QwenVlModel quant = QwenVlModel.load(options.quantized());
        Tokenizer tokenizer = hasTokenizer ? Tokenizer.load(options.baseline()) : null) {
      List<RgbImage> images = options.images() == null ? List.of() : ComparePrompts.images(options.images());
      List<ComparePrompts.Prompt> prompts = options.prompts() == null
          ? ComparePrompts.defaults(base.config(), images, tokenizer)
          : ComparePrompts.read(options.prompts(), base.config(), images, tokenizer);
      for (ComparePrompts.Prompt p : prompts) {
        progress.accept("prompt '" + p.label() + "': forward and " + options.greedyTokens() + " greedy tokens");
        results.add(LogitComparison.compare(base, quant, p, options.greedyTokens(),
            tokenizer == null ? null : ids -> tokenizer.decode(ids, false)));
      }
    }
    if (!hasTokenizer) notes.add(options.baseline() + " has no tokenizer.json: prompts are token ids");
    if (options.images() == null) notes.add("images are synthetic (gradient, checkerboard, noise); pass --images for"
        + " real ones");
    return new ComparisonReport(options.baseline().toString(), options.quantized().toString(),
        options.greedyTokens(), weights, results, ComparisonReport.Summary.of(results, options.greedyTokens()),
        List.copyOf(notes));
  }
}
