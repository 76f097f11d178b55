package vlmq.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vlmq.quantize.CheckpointFormat;
import vlmq.transform.Convert;

/** {@code vlmq convert}: a quantized checkpoint between compressed-tensors and ModelOpt, codes untouched. */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description = {"Convert a quantized checkpoint between compressed-tensors and NVIDIA ModelOpt without",
        "requantizing: FP8 per-tensor/per-channel/128x128 blocks and NVFP4. Codes are copied, scales moved exactly,",
        "so compressed-tensors -> modelopt -> compressed-tensors gives the same files back."},
    footer = {"", "Examples:", "  vlmq convert ./qwen-fp8 --to modelopt -o ./qwen-fp8-modelopt",
        "  vlmq convert ./qwen-nvfp4-modelopt --to compressed-tensors -o ./qwen-nvfp4-ct"})
public final class ConvertCommand implements Callable<Integer> {
  @Parameters(paramLabel = "<dir>", description = "Quantized checkpoint folder.")
  Path dir;

  @Option(names = "--to", paramLabel = "<format>", required = true,
      description = "compressed-tensors or modelopt.")
  String to;

  @Option(names = {"-o", "--output"}, paramLabel = "<out-dir>", required = true,
      description = "New folder for the converted checkpoint (must not exist).")
  Path output;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    var result = Convert.run(dir, output, CheckpointFormat.parse(to));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("converted %s (%s) -> %s (%s)%n", dir, result.from(), result.output(), result.to());
    result.changes().forEach(c -> out.println("  " + c.line()));
    out.printf("next: vlmq check %s%n", result.output());
    out.flush();
    return 0;
  }
}
