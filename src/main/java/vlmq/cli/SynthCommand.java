package vlmq.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vlmq.bench.SyntheticCheckpoint;

/** {@code vlmq synth}: a random-weight checkpoint from a config.json, for benchmarks at real model sizes. */
@Command(
    name = "synth",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Write a random-weight BF16 checkpoint with the tensor names and shapes transformers would save for a config.json.")
final class SynthCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "<config.json>", description = "A model config.json (or its folder).")
  Path config;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "<out-dir>", description = "Output folder (must not exist).")
  Path output;

  @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Path json = Files.isDirectory(config) ? config.resolve("config.json") : config;
    Path out = SyntheticCheckpoint.write(json, output, seed, Runtime.getRuntime().availableProcessors());
    spec.commandLine().getOut().println("wrote " + out);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
