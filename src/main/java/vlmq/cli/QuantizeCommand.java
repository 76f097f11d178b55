package vlmq.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vlmq.Units;
import vlmq.VlmqException;
import vlmq.io.safetensors.ShardSize;
import vlmq.quantize.CheckpointFormat;
import vlmq.quantize.QuantizeJob;
import vlmq.recipe.Recipe;

/** {@code vlmq quantize}: data-free, vision-preserving quantization into compressed-tensors or ModelOpt checkpoints. */
@Command(
    name = "quantize",
    mixinStandardHelpOptions = true,
    description = {
      "Quantize a checkpoint's language-model Linear layers into a compressed-tensors checkpoint that vLLM and",
      "transformers load. The vision tower, projector, lm_head, embeddings (and Qwen3.5 linear_attn) stay native",
      "unless you pass your own --ignore rules."},
    footer = {"", "Presets: FP8_DYNAMIC, FP8_BLOCK, W8A8 (INT8), W8A16, W4A16, W4A16_ASYM, NVFP4A16, MXFP4A16.",
      "Static-activation presets (FP8, NVFP4) need calibration data, which comes in a later release.",
      "--format modelopt writes NVIDIA ModelOpt's format: FP8_DYNAMIC as FP8_PER_CHANNEL_PER_TOKEN, FP8_BLOCK as",
      "FP8_PB_WO, NVFP4A16 as W4A16_NVFP4 (vLLM loads these ModelOpt algos since mid-2026).", "",
      "Examples:",
      "  vlmq quantize ~/models/Qwen2.5-VL-7B-Instruct -o ./qwen-fp8 --scheme FP8_DYNAMIC",
      "  vlmq quantize ./model --scheme W4A16 --plan",
      "  vlmq quantize ./model -o ./out --recipe recipe.yaml",
      "  vlmq quantize ./model -o ./out-modelopt --scheme NVFP4A16 --format modelopt",
      "  vlmq quantize ./model -o ./out --scheme FP8_DYNAMIC --ignore lm_head --ignore 're:.*visual.*'"})
final class QuantizeCommand implements Callable<Integer> {
  @Parameters(paramLabel = "<in-dir>", description = "Checkpoint folder (config.json + *.safetensors, bf16/f16/f32).")
  Path input;

  @Option(names = {"-o", "--output"}, paramLabel = "<out-dir>", description = "Output folder (must not exist unless --overwrite).")
  Path output;

  @Option(names = "--scheme", paramLabel = "<PRESET>", description = "Preset scheme, e.g. FP8_DYNAMIC or W4A16.")
  String scheme;

  @Option(names = "--ignore", paramLabel = "<rule>",
      description = "Keep matching modules native (repeatable): an exact module name, re:<regex> (Python re.match) or a class"
          + " name. With --scheme they replace the vision-preserving defaults; with --recipe they add to its ignore list.")
  List<String> ignore;

  @Option(names = "--recipe", paramLabel = "<recipe.yaml>", description = "llm-compressor recipe with a QuantizationModifier.")
  Path recipe;

  @Option(names = "--format", paramLabel = "<format>", defaultValue = "compressed-tensors",
      description = "compressed-tensors (default; vLLM and transformers) or modelopt (vLLM, TensorRT-LLM, SGLang).")
  String format;

  @Option(names = "--plan", description = "Print the resolved plan and write nothing.")
  boolean planOnly;

  @Option(names = "--quantize-vision", description = "Allow your rules to quantize vision Linear layers without a warning.")
  boolean quantizeVision;

  @Option(names = "--max-shard-size", paramLabel = "<size>", defaultValue = "5GB",
      description = "Largest output shard, e.g. 5GB, 500MB, 2GiB (default: ${DEFAULT-VALUE}).")
  String maxShardSize;

  @Option(names = "--threads", paramLabel = "<n>", description = "Worker threads (default: all cores).")
  Integer threads;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Recipe resolved = recipe();
    CheckpointFormat checkpointFormat = CheckpointFormat.parse(format);
    if (planOnly) {
      try (QuantizeJob.Planned planned = QuantizeJob.plan(input, resolved, quantizeVision, checkpointFormat)) {
        out.print(planned.plan().render());
      }
      out.flush();
      return 0;
    }
    if (output == null) throw new VlmqException("quantize needs -o <out-dir> (or --plan to only print the plan).");
    int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    if (n < 1) throw new VlmqException("--threads must be at least 1.");
    var result = QuantizeJob.run(
        new QuantizeJob.Request(input, output, resolved, quantizeVision, ShardSize.parse(maxShardSize), n,
            checkpointFormat),
        TerminalProgress.forStderr());
    out.print(result.plan().render());
    double seconds = result.elapsed().toNanos() / 1e9;
    out.printf(Locale.ROOT, "%nwrote %s: %s -> %s (%.2fx smaller) in %d file%s, %.1f s (%s/s)%n", result.output(),
        Units.bytes(result.inputBytes()), Units.bytes(result.outputBytes()),
        (double) result.inputBytes() / Math.max(1, result.outputBytes()), result.files().size(),
        result.files().size() == 1 ? "" : "s", seconds, Units.bytes((long) (result.inputBytes() / Math.max(seconds, 1e-9))));
    out.printf("next: vlmq inspect %s%n", result.output());
    out.flush();
    return 0;
  }

  private Recipe recipe() {
    if (recipe != null && scheme != null) {
      throw new VlmqException("give either --scheme or --recipe, not both (the recipe names its own scheme).");
    }
    if (recipe != null) {
      Recipe fromFile = Recipe.read(recipe);
      if (ignore == null) return fromFile;
      return fromFile.withIgnore(java.util.stream.Stream.concat(fromFile.ignore().stream(), ignore.stream()).toList());
    }
    if (scheme == null) throw new VlmqException("quantize needs --scheme <PRESET> (e.g. FP8_DYNAMIC) or --recipe <recipe.yaml>.");
    return Recipe.fromPreset(scheme, ignore == null ? List.of() : ignore);
  }
}
