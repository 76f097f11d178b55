package vlmq.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vlmq.transform.Repair;

/** {@code vlmq repair}: rewrites what {@code vlmq check} flags into a checkpoint that loads, and lists each change. */
@Command(
    name = "repair",
    mixinStandardHelpOptions = true,
    description = {"Fix a compressed-tensors or ModelOpt checkpoint that vlmq check flags, into a new folder:",
        "drops vision KV-cache scales, dequantizes quantized vision/projector/lm_head layers to the model dtype,",
        "requantizes FP8 shards of fused layers to one scale, and rewrites the exclusion lists in every form.",
        "Every change is printed; the source folder is never modified."},
    footer = {"", "Examples:", "  vlmq repair ./Qwen2.5-VL-7B-FP8 -o ./Qwen2.5-VL-7B-FP8-repaired",
        "  vlmq check ./Qwen2.5-VL-7B-FP8-repaired"})
public final class RepairCommand implements Callable<Integer> {
  @Parameters(paramLabel = "<dir>", description = "Checkpoint folder (config.json + *.safetensors).")
  Path dir;

  @Option(names = {"-o", "--output"}, paramLabel = "<out-dir>", required = true,
      description = "New folder for the repaired checkpoint (must not exist).")
  Path output;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    var result = Repair.run(dir, output);
    PrintWriter out = spec.commandLine().getOut();
    out.printf("repaired %s (%s) -> %s%n", dir, result.format(), result.output());
    if (result.changes().isEmpty()) out.println("  nothing needed changing; the configs were rewritten as they were");
    result.changes().forEach(c -> out.println("  " + c.line()));
    out.printf("next: vlmq check %s%n", result.output());
    out.flush();
    return 0;
  }
}
