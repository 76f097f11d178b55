package vlmq.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vlmq.VlmqException;
import vlmq.engine.compare.ComparisonReport;
import vlmq.engine.compare.ModelComparison;

/**
 * {@code vlmq compare}: how close a quantized checkpoint stays to its baseline, measured on the CPU: weight error per
 * quantized Linear, KL divergence and top-1 agreement of the logits, and greedy-generation agreement on image+text
 * prompts.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = {"Compare a quantized Qwen2-VL, Qwen2.5-VL or Qwen3-VL checkpoint with its unquantized baseline, "
        + "in float32 on the CPU: the error of every quantized Linear's weight (relative Frobenius error, SQNR), the "
        + "KL divergence and top-1 agreement of the next-token distributions, and how many greedily generated "
        + "tokens agree.",
        "The quantized weights are read as stored and vLLM's dynamic activation quantization (FP8_DYNAMIC, "
            + "FP8_BLOCK, W8A8) is emulated, so the numbers reflect what vLLM would serve. No GPU and no benchmark "
            + "data needed."},
    footer = {"", "--prompts holds one prompt per line: text, sent as a user turn through the chat template (each <image>"
        + " in it stands for an image; needs the baseline's tokenizer.json), or token ids separated by commas or"
        + " spaces (one image_pad id per image, between vision_start and vision_end). Without --prompts a built-in set"
        + " of image and text prompts is used; without --images the images are synthetic.", "", "Example:",
        "  vlmq compare ~/models/Qwen2.5-VL-3B-Instruct ./Qwen2.5-VL-3B-FP8-dynamic --images ./photos"})
final class CompareCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "<baseline>", description = "The unquantized checkpoint folder.")
  Path baseline;

  @Parameters(index = "1", paramLabel = "<quantized>", description = "Its quantized version (vlmq quantize output, "
      + "or any compressed-tensors / ModelOpt FP8 checkpoint of the same model).")
  Path quantized;

  @Option(names = "--images", paramLabel = "<dir>", description = "PNG/JPEG images for the image_pad ids, used in"
      + " file-name order (cycled when there are more image_pad ids).")
  Path images;

  @Option(names = "--prompts", paramLabel = "<file>", description = "Prompts, one per line: text (with <image>"
      + " markers) or token ids.")
  Path prompts;

  @Option(names = "--tokens", paramLabel = "<n>", defaultValue = "32", description = "Tokens to generate greedily"
      + " per prompt and model (default: ${DEFAULT-VALUE}; 0 skips generation).")
  int tokens;

  @Option(names = "--skip-weights", description = "Do not measure the weight error (faster on large models).")
  boolean skipWeights;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (tokens < 0) throw new VlmqException("--tokens must be 0 or more, not " + tokens);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ComparisonReport report = ModelComparison.run(
        new ModelComparison.Options(baseline, quantized, prompts, images, tokens, !skipWeights), line -> {
          err.println("vlmq: " + line);
          err.flush();
        });
    if (json) {
      out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
    } else {
      out.print(report.text());
    }
    out.flush();
    return 0;
  }
}
