package vlmq.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import vlmq.VlmqException;

/** Entry point: parses the command line and turns {@link VlmqException}s into one line and an exit code. */
@Command(
    name = "vlmq",
    mixinStandardHelpOptions = true,
    version = "vlmq 0.1.0",
    description = "Quantize vision-language models for vLLM and transformers while keeping vision native.",
    subcommands = {})
public final class Main {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI without exiting; returns the exit code. */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      if (ex instanceof VlmqException v) {
        cmd.getErr().println("vlmq: " + v.getMessage());
        cmd.getErr().flush();
        return v.exitCode();
      }
      throw ex;
    });
    return cli.execute(args);
  }
}
