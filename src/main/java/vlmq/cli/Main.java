package vlmq.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vlmq.VlmqException;

/**
 * Entry point: parses the command line and turns failures into one line on stderr and an exit code. User errors
 * ({@link VlmqException}) and I/O failures (a full disk, a vanished file) never show a stack trace; anything else is
 * a vlmq bug and shows one only when {@code VLMQ_DEBUG} is set.
 */
@Command(
    name = "vlmq",
    mixinStandardHelpOptions = true,
    version = "vlmq 0.1.0",
    description = "Quantize vision-language models for vLLM and transformers while keeping vision native.",
    subcommands = {InspectCommand.class, QuantizeCommand.class, EstimateCommand.class, CheckCommand.class, RepairCommand.class, ConvertCommand.class, RunCommand.class, CompareCommand.class, ForwardCommand.class, DemoCommand.class, SynthCommand.class, AotTrainingCommand.class},
    footer = {"", "Start with: vlmq demo"})
public final class Main implements Callable<Integer> {
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI without exiting; returns the exit code. */
  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs the CLI with the given output streams; returns the exit code. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      String message = switch (ex) {
        case VlmqException v -> v.getMessage();
        case UncheckedIOException u -> "I/O error: " + u.getCause().getMessage();
        case IOException io -> "I/O error: " + io.getMessage();
        default -> "internal error (" + ex + ") — please report it with the command line"
            + (System.getenv("VLMQ_DEBUG") == null ? "; set VLMQ_DEBUG=1 for the stack trace" : "");
      };
      cmd.getErr().println("vlmq: " + message);
      if (System.getenv("VLMQ_DEBUG") != null) ex.printStackTrace(cmd.getErr());
      cmd.getErr().flush();
      return ex instanceof VlmqException v ? v.exitCode() : 2;
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }
}
