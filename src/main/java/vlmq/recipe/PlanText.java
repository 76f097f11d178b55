package vlmq.recipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import vlmq.model.Component;

/**
 * The plan as text for {@code --plan}: config groups, ignore rules, quantized modules folded over layer indices,
 * kept modules grouped by the rule that kept them, and sizes per component.
 */
final class PlanText {
  private PlanText() {}

  static String render(QuantizationPlan plan) {
    var out = new StringBuilder();
    var map = plan.familyMap();
    out.append("Quantization plan: ").append(map.family().map(f -> f.displayName()).orElse("unknown architecture"))
        .append(", ").append(map.layout().describe()).append('\n');
    out.append("Recipe: QuantizationModifier, ").append(describe(plan.recipe())).append("\n\n");

    out.append("Config groups (config.json):\n");
    plan.configGroups().forEach((name, scheme) -> out.append("  ").append(name).append("  ")
        .append(plan.groupLabel(name)).append("  ").append(scheme.format().json()).append("  targets ")
        .append(scheme.targets()).append("\n    weights ").append(args(scheme.weights()))
        .append(scheme.inputActivations() == null ? "" : ", input activations " + args(scheme.inputActivations()))
        .append('\n'));

    var decisions = plan.decisions();
    out.append("\nIgnore rules:\n");
    var ruleWidth = plan.rules().stream().mapToInt(r -> r.rule().text().length()).max().orElse(0);
    for (var r : plan.rules()) {
      long kept = decisions.stream().filter(d -> r.rule().text().equals(d.keptBy())).count();
      out.append(String.format(Locale.ROOT, "  %-8s  %-" + ruleWidth + "s  %4d kept  %s%n", r.origin().label(),
          r.rule().text(), kept, r.reason()));
    }

    var quantized = decisions.stream().filter(ModuleDecision::quantized).toList();
    out.append("\nQuantized: ").append(quantized.size()).append(" of ").append(decisions.size())
        .append(" Linear modules\n");
    var lines = new ArrayList<String[]>();
    var byLabel = new LinkedHashMap<String, List<String>>();
    for (var d : quantized) {
      var label = plan.groupLabel(d.group()) + " (" + d.group() + ")";
      byLabel.computeIfAbsent(label, k -> new ArrayList<>()).add(d.module());
    }
    byLabel.forEach((label, modules) -> NameGroups.collapse(modules)
        .forEach(g -> lines.add(new String[] {g.pattern(), label})));
    int width = lines.stream().mapToInt(l -> l[0].length()).max().orElse(0);
    for (var l : lines) out.append(String.format(Locale.ROOT, "  %-" + width + "s  %s%n", l[0], l[1]));

    var kept = decisions.stream().filter(d -> !d.quantized()).toList();
    out.append("\nKept in ").append(dtypes(kept)).append(": ").append(kept.size()).append(" Linear modules\n");
    var byRule = new LinkedHashMap<String, List<String>>();
    for (var r : plan.rules()) byRule.put(r.rule().text(), new ArrayList<>());
    for (var d : kept) byRule.computeIfAbsent(d.keptBy(), k -> new ArrayList<>()).add(d.module());
    byRule.forEach((rule, modules) -> {
      if (modules.isEmpty()) return;
      var source = plan.rules().stream().filter(r -> r.rule().text().equals(rule)).findFirst();
      out.append("  ").append(source.map(IgnoreRule::describe).orElse(rule)).append('\n');
      NameGroups.collapse(modules).forEach(g -> out.append("    ").append(g.pattern()).append('\n'));
    });

    out.append("\nSizes (bytes as stored; after = compressed-tensors tensors of quantized weights):\n");
    out.append(String.format(Locale.ROOT, "  %-11s %11s %18s %11s %11s%n", "component", "parameters",
        "Linear quantized", "before", "after"));
    for (var c : Component.values()) {
      var t = plan.totals(c);
      if (t.parameters() == 0 && t.bytesBefore() == 0) continue;
      out.append(row(c.id(), t));
    }
    out.append(row("total", plan.total()));

    if (!plan.warnings().isEmpty()) {
      out.append("\nWarnings:\n");
      plan.warnings().forEach(w -> out.append("  ! ").append(w).append('\n'));
    }
    return out.toString();
  }

  private static String describe(Recipe recipe) {
    return switch (recipe.schemes()) {
      case Recipe.PresetScheme p -> "scheme " + p.preset().name() + " on targets " + recipe.targets();
      case Recipe.PresetTargets p -> "scheme " + p.targets().entrySet().stream()
          .map(e -> e.getKey().name() + " on " + e.getValue()).collect(Collectors.joining(", "));
      case Recipe.ConfigGroups c -> "config_groups " + String.join(", ", c.groups().keySet());
    };
  }

  /** For example {@code float8 channel} or {@code int4 group 128 asym}. */
  private static String args(QuantizationArgs a) {
    var s = new StringBuilder(a.type().json()).append(a.numBits()).append(' ').append(a.strategy().json());
    if (a.groupSize() != null && a.groupSize() > 0) s.append(' ').append(a.groupSize());
    if (a.blockStructure() != null) s.append(' ').append(a.blockStructure().get(0)).append('x').append(a.blockStructure().get(1));
    if (!a.symmetric()) s.append(" asym");
    if (a.dynamic() != DynamicMode.STATIC) s.append(a.dynamic() == DynamicMode.LOCAL ? " dynamic=local" : " dynamic");
    return s.toString();
  }

  private static String dtypes(List<ModuleDecision> kept) {
    var names = kept.stream().map(d -> d.weightDtype().name()).distinct().toList();
    return names.isEmpty() ? "native precision" : String.join("/", names);
  }

  private static String row(String name, QuantizationPlan.Totals t) {
    return String.format(Locale.ROOT, "  %-11s %11s %18s %11s %11s%n", name, count(t.parameters()),
        t.quantizedModules() + " of " + t.linearModules(), bytes(t.bytesBefore()), bytes(t.bytesAfter()));
  }

  private static String bytes(long b) {
    return b < 1000 ? b + " B" : scaled(b, new String[] {"kB", "MB", "GB", "TB"}, " ");
  }

  private static String count(long n) {
    return n < 1000 ? Long.toString(n) : scaled(n, new String[] {"K", "M", "B", "T"}, "");
  }

  /** Decimal units, three significant digits, as the Hugging Face hub shows sizes. */
  private static String scaled(long value, String[] units, String gap) {
    double v = value;
    int i = -1;
    while (v >= 1000 && i < units.length - 1) {
      v /= 1000;
      i++;
    }
    return String.format(Locale.ROOT, v >= 100 ? "%.0f%s%s" : v >= 10 ? "%.1f%s%s" : "%.2f%s%s", v, gap, units[i]);
  }
}
