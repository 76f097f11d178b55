package vlmq.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import vlmq.VlmqException;
import vlmq.demo.DemoModel;

/**
 * {@code vlmq aot-training}: the workload the launcher records into the JVM's AOT cache after a build. It runs the
 * CLI on the bundled demo model (inspect, then quantize with the main presets and check each output), so later runs
 * start with those classes loaded and linked and the quantizer kernels already profiled: less JIT warm-up in a job.
 */
@Command(name = "aot-training", hidden = true, mixinStandardHelpOptions = true,
    description = "Run inspect, quantize (main presets) and check on the bundled demo model; prints nothing.")
final class AotTrainingCommand implements Callable<Integer> {
  private static final List<String> PRESETS = List.of("FP8_DYNAMIC", "FP8_BLOCK", "W8A8", "NVFP4A16");
  /** W4A16 and W4A16_ASYM's arguments with groups of 64, which the demo model's 64-wide layers divide into. */
  private static final String INT4_RECIPE = """
      QuantizationModifier:
        config_groups:
          group_0:
            targets: [Linear]
            weights: {num_bits: 4, type: int, symmetric: %s, strategy: group, group_size: 64}
      """;

  @Override
  public Integer call() throws IOException {
    Path base = Files.createTempDirectory("vlmq-aot-training-");
    try {
      String model = DemoModel.extractTo(base.resolve("model")).toString();
      run(0, "inspect", model);
      for (String preset : PRESETS) quantizeAndCheck(model, base.resolve(preset), "--scheme", preset);
      for (boolean symmetric : new boolean[] {true, false}) {
        Path recipe = Files.writeString(base.resolve("int4-" + symmetric + ".yaml"), INT4_RECIPE.formatted(symmetric));
        quantizeAndCheck(model, base.resolve("int4-" + symmetric), "--recipe", recipe.toString());
      }
      return 0;
    } finally {
      try (Stream<Path> files = Files.walk(base)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      }
    }
  }

  private static void quantizeAndCheck(String model, Path out, String... recipe) {
    var args = new ArrayList<>(List.of("quantize", model, "-o", out.toString()));
    args.addAll(List.of(recipe));
    run(0, args.toArray(String[]::new));
    run(1, "check", out.toString()); // the demo model's 64-wide layers fail some checks
  }

  /** Runs the CLI; an exit code above {@code allowed} fails the training run. */
  private static void run(int allowed, String... args) {
    var quiet = new PrintWriter(OutputStream.nullOutputStream());
    int code = Main.run(quiet, quiet, args);
    if (code > allowed) throw new VlmqException("aot-training: vlmq " + String.join(" ", args) + " exited with " + code);
  }
}
