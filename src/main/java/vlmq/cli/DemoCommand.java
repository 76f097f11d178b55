package vlmq.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vlmq.Units;
import vlmq.check.Checker;
import vlmq.check.ReportText;
import vlmq.check.Target;
import vlmq.demo.DemoModel;
import vlmq.inspect.Inspector;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.quantize.QuantizeJob;
import vlmq.recipe.Recipe;

/** {@code vlmq demo}: the main job end to end on the bundled tiny Qwen2.5-VL. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {"Run vlmq's main job on the bundled tiny Qwen2.5-VL (real tokenizer, random weights):",
      "inspect it, show the FP8_DYNAMIC plan, quantize it, compare sizes and check that vLLM will load it."})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--dir", paramLabel = "<dir>", description = "Where to put the demo model and its output (default: a new temporary folder).")
  Path dir;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path base = dir != null ? dir : Files.createTempDirectory("vlmq-demo-");
    Path model = DemoModel.extractTo(base.resolve("qwen2_5_vl_tiny"));
    Path quantized = base.resolve("qwen2_5_vl_tiny-FP8-dynamic");

    out.println("== 1. inspect: vlmq inspect " + model);
    InspectCommand.print(Inspector.inspect(model), out);

    Recipe recipe = Recipe.fromPreset("FP8_DYNAMIC", List.of());
    out.println();
    out.println("== 2. plan: vlmq quantize " + model + " --scheme FP8_DYNAMIC --plan");
    try (var planned = QuantizeJob.plan(model, recipe, false)) {
      out.print(planned.plan().render());
    }

    out.println();
    out.println("== 3. quantize: vlmq quantize " + model + " -o " + quantized + " --scheme FP8_DYNAMIC");
    var result = QuantizeJob.run(new QuantizeJob.Request(model, quantized, recipe, false,
        CheckpointWriter.DEFAULT_MAX_SHARD_BYTES, Runtime.getRuntime().availableProcessors()), TerminalProgress.forStderr());
    var total = result.plan().total();
    out.printf(Locale.ROOT, "weights %s -> %s; the %d quantized Linear layers shrink from %s to %s (%.2fx); vision, projector and embeddings stay BF16.%n",
        Units.bytes(result.inputBytes()), Units.bytes(result.outputBytes()), total.quantizedModules(),
        Units.bytes(linearBytes(result, true)), Units.bytes(linearBytes(result, false)),
        (double) linearBytes(result, true) / Math.max(1, linearBytes(result, false)));
    out.println("(the demo model is tiny, so its 152K-token embedding dominates; on a real 7B model FP8_DYNAMIC halves the language model)");

    out.println();
    out.println("== 4. check: vlmq check " + quantized);
    var report = Checker.check(quantized, Target.defaults());
    ReportText.print(report, out);

    out.println();
    out.println("output: " + quantized);
    out.println("next:   ./vlmq run " + quantized + " --prompt \"Describe this image.\" --image <your.png> --max-tokens 16");
    out.flush();
    return 0;
  }

  /** Bytes of the quantized modules' weights before (bf16) or after (weights, scales) quantization. */
  private static long linearBytes(QuantizeJob.Result result, boolean before) {
    return result.plan().decisions().stream().filter(d -> d.quantized())
        .mapToLong(d -> before ? d.weightDtype().byteSize(d.weightShape()[0] * d.weightShape()[1])
            : d.layout().specs().stream().mapToLong(s -> s.byteSize()).sum())
        .sum();
  }
}
