package vlmq.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vlmq.demo.DemoModel;
import vlmq.inspect.Inspector;

/** {@code vlmq demo}: the main job end to end on the bundled tiny Qwen2.5-VL. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run vlmq's main job on the bundled tiny Qwen2.5-VL (real tokenizer, random weights): inspect it.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--dir", paramLabel = "<dir>", description = "Where to put the demo model (default: a new temporary folder).")
  Path dir;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path model = DemoModel.extractTo((dir != null ? dir : Files.createTempDirectory("vlmq-demo-")).resolve("qwen2_5_vl_tiny"));
    out.println("== 1. inspect the demo model: vlmq inspect " + model);
    InspectCommand.print(Inspector.inspect(model), out);
    out.println();
    out.println("The demo model stays at " + model + " — try: ./vlmq inspect " + model + " --json");
    out.flush();
    return 0;
  }
}
