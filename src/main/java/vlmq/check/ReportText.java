package vlmq.check;

import java.io.PrintWriter;
import java.util.List;

/** The human-readable report: findings grouped by severity, then other vLLM versions, then the one-line verdict. */
public final class ReportText {
  private ReportText() {}

  public static void print(CheckReport r, PrintWriter out) {
    out.printf("vlmq check %s%n", r.directory());
    out.printf("  model         %s%n", r.model());
    out.printf("  quantization  %s%n", r.quantization());
    out.printf("  target        %s%n", r.target());
    for (var severity : Severity.values()) {
      var group = r.findings().stream().filter(f -> f.severity() == severity).toList();
      if (group.isEmpty()) continue;
      out.println();
      out.printf("%s (%d)%n", severity.id().toUpperCase(java.util.Locale.ROOT), group.size());
      group.forEach(f -> finding(f, out, ""));
    }
    if (r.findings().isEmpty()) {
      out.println();
      out.println("no findings");
    }
    if (!r.otherVersions().isEmpty()) {
      out.println();
      out.println("In other vLLM versions (not the target):");
      r.otherVersions().forEach(f -> finding(f, out, f.severity().id() + " "));
    }
    out.println();
    out.printf("verdict: %s%n", r.verdict());
    out.flush();
  }

  private static void finding(Finding f, PrintWriter out, String prefix) {
    out.printf("  [%s] %s%s%n", f.rule(), prefix, f.title());
    field(out, "modules", f.modules());
    field(out, "engine", List.of(f.engineMessage().split("\n")));
    if (!f.versions().isEmpty()) field(out, "versions", List.of(f.versions()));
    if (!f.fix().isEmpty()) field(out, "fix", List.of(f.fix()));
    field(out, "basis", List.of(f.basis()));
  }

  private static void field(PrintWriter out, String label, List<String> lines) {
    for (int i = 0; i < lines.size(); i++) {
      out.printf("       %-9s %s%n", i == 0 ? label + ":" : "", lines.get(i));
    }
  }
}
