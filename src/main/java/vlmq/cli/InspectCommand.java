package vlmq.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import vlmq.Units;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vlmq.inspect.Inspection;
import vlmq.inspect.Inspection.ComponentSummary;
import vlmq.inspect.Inspector;

/** {@code vlmq inspect}: what a checkpoint holds, per component, from its config and headers only. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Show a checkpoint's family, parameters and bytes per component, quantization and serving files.",
    footer = {"", "Examples:", "  vlmq inspect ~/models/Qwen2.5-VL-7B-Instruct", "  vlmq inspect ./out --json | jq .components.vision"})
final class InspectCommand implements Callable<Integer> {
  @Parameters(paramLabel = "<dir>", description = "Checkpoint folder (config.json + *.safetensors).")
  Path dir;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Inspection report = Inspector.inspect(dir);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
    } else {
      print(report, out);
    }
    out.flush();
    return 0;
  }

  static void print(Inspection r, PrintWriter out) {
    out.printf("%s%n", r.directory());
    out.printf("  family        %s (%s), architecture %s%n", r.familyName(), r.family(), r.architecture());
    out.printf("  key layout    %s%n", r.keyLayout());
    out.printf("  size          %s parameters, %s in %d tensors, %d file%s%n",
        Units.count(r.parameters()), Units.bytes(r.bytes()), r.tensors(), r.files(), r.files() == 1 ? "" : "s");
    if (r.lmHeadTied()) out.printf("  lm_head       tied to the embeddings (not stored)%n");
    out.printf("  quantization  %s%n", r.quantization().method());
    for (String d : r.quantization().details()) out.printf("                %s%n", d);
    out.println();
    out.printf("  %-11s %12s %10s %7s  %-22s %s%n", "component", "parameters", "bytes", "linear", "dtypes", "linear schemes");
    for (Map.Entry<String, ComponentSummary> e : r.components().entrySet()) {
      ComponentSummary c = e.getValue();
      if (c.bytes() == 0) continue;
      String dtypes = String.join(",", c.dtypes().keySet());
      String schemes = c.schemes().entrySet().stream()
          .map(s -> s.getKey() + " ×" + s.getValue()).collect(Collectors.joining(", "));
      out.printf("  %-11s %12s %10s %7d  %-22s %s%n", e.getKey(), Units.count(c.parameters()), Units.bytes(c.bytes()),
          c.linearLayers(), dtypes, schemes);
    }
    out.println();
    out.printf("  serving files present: %s%n", r.servingFiles().present().isEmpty() ? "none" : String.join(", ", r.servingFiles().present()));
    if (!r.servingFiles().missing().isEmpty()) {
      out.printf("  serving files MISSING: %s — copy them from the original model.%n", String.join(", ", r.servingFiles().missing()));
    }
    for (String w : r.warnings()) out.printf("  warning: %s%n", w);
  }
}
