package vlmq.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vlmq.VlmqException;
import vlmq.check.Checker;
import vlmq.check.Engine;
import vlmq.check.Gpu;
import vlmq.check.ReportText;
import vlmq.check.Target;
import vlmq.check.VllmVersion;

/** {@code vlmq check}: predicts, from configs and headers only, whether an engine will load a checkpoint correctly. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {"Predict whether a serving engine loads a quantized checkpoint, and what goes wrong if not.",
        "Reads config files and safetensors headers only. Exit code 0: no errors; 1: errors found; 2: unreadable."},
    footer = {"", "Examples:", "  vlmq check ./Qwen2.5-VL-7B-FP8",
        "  vlmq check ./out --engine-version 0.11.0 --gpu L40S --tp 2",
        "  vlmq check ./out --json | jq '.findings[] | select(.severity==\"error\")'"})
public final class CheckCommand implements Callable<Integer> {
  @Parameters(paramLabel = "<dir>", description = "Checkpoint folder (config.json + *.safetensors).")
  Path dir;

  @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "vllm",
      description = "vllm (default), sglang, trtllm or transformers.")
  String engine;

  @Option(names = "--engine-version", paramLabel = "X",
      description = "Engine version, e.g. 0.11.1 (vLLM default: main, the newest behaviour known).")
  String engineVersion;

  @ArgGroup(exclusive = true)
  GpuChoice gpu;

  static final class GpuChoice {
    @Option(names = "--gpu", paramLabel = "NAME", description = "GPU model, e.g. H100, L40S, A100, B200 (default H100).")
    String name;

    @Option(names = "--compute-capability", paramLabel = "X.Y", description = "CUDA compute capability, e.g. 8.9.")
    String capability;
  }

  @Option(names = "--tp", paramLabel = "N", defaultValue = "1", description = "Tensor-parallel size (default 1).")
  int tp;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    var report = Checker.check(dir, target());
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
      out.flush();
    } else {
      ReportText.print(report, out);
    }
    return report.exitCode();
  }

  private Target target() {
    var kind = Engine.parse(engine);
    var g = gpu == null ? Gpu.H100 : gpu.name != null ? Gpu.named(gpu.name) : Gpu.ofCapability(gpu.capability);
    var version = engineVersion == null ? "" : engineVersion;
    if (kind != Engine.VLLM) return new Target(kind, version, VllmVersion.MAIN, g, tp);
    var vllm = engineVersion == null ? VllmVersion.MAIN : VllmVersion.parse(engineVersion);
    if (!vllm.atLeast(VllmVersion.OLDEST)) {
      throw new VlmqException("vLLM " + engineVersion + " is older than the " + VllmVersion.OLDEST.label()
          + " the rules cover: check against " + VllmVersion.OLDEST.label() + " or newer");
    }
    return new Target(kind, vllm.label(), vllm, g, tp);
  }
}
