package vlmq.check;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import vlmq.model.Family;

/**
 * Runs every rule on a checkpoint for a target. For vLLM it also evaluates each version where behaviour changes, so
 * every finding states the versions it applies to, rules that fire only elsewhere are reported apart, and the verdict
 * can say from which version the checkpoint loads cleanly.
 */
public final class Checker {
  private Checker() {}

  /** Checks the folder; unreadable checkpoints raise {@link vlmq.VlmqException} (exit code 2). */
  public static CheckReport check(Path dir, Target target) {
    try (var model = CheckedModel.load(dir)) {
      return check(model, target);
    }
  }

  static CheckReport check(CheckedModel m, Target target) {
    var findings = findings(m, target);
    var others = new ArrayList<Finding>();
    var cleanIn = "";
    if (target.isVllm()) {
      var points = new TreeSet<>(VllmVersion.timeline());
      points.add(target.vllm());
      var timeline = List.copyOf(points);
      var byVersion = new LinkedHashMap<VllmVersion, List<Finding>>();
      for (var v : timeline) byVersion.put(v, v.equals(target.vllm()) ? findings : findings(m, target.withVllm(v)));
      findings = findings.stream().map(f -> f.withVersions(Versions.range(timeline, firing(byVersion, f.rule()))))
          .toList();
      var atTarget = findings.stream().map(Finding::rule).collect(Collectors.toSet());
      var seen = new TreeSet<String>();
      for (var v : timeline.reversed()) {
        for (var f : byVersion.get(v)) {
          var mechanism = f.rule() + "\n" + mechanism(f);
          if (atTarget.contains(f.rule()) || f.severity() == Severity.INFO || !seen.add(mechanism)) continue;
          var where = byVersion.entrySet().stream().filter(e -> e.getValue().stream()
              .anyMatch(g -> g.rule().equals(f.rule()) && mechanism(g).equals(mechanism(f)))).map(Map.Entry::getKey)
              .collect(Collectors.toCollection(TreeSet::new));
          others.add(f.withVersions(Versions.range(timeline, where)));
        }
      }
      others.sort(ORDER);
      var clean = byVersion.entrySet().stream().filter(e -> e.getValue().stream()
          .noneMatch(f -> f.severity() == Severity.ERROR || f.severity() == Severity.SILENT)).map(Map.Entry::getKey)
          .collect(Collectors.toCollection(TreeSet::new));
      cleanIn = clean.isEmpty() ? "" : Versions.range(timeline, clean);
    }
    if (!target.isVllm()) {
      var label = target.engineLabel();
      findings = findings.stream().map(f -> f.withVersions(label + " (not modelled version by version)")).toList();
    }
    var counts = new LinkedHashMap<String, Integer>();
    for (var s : Severity.values()) {
      counts.put(s.id(), (int) findings.stream().filter(f -> f.severity() == s).count());
    }
    boolean loads = counts.get(Severity.ERROR.id()) == 0;
    return new CheckReport(m.dir.toString(), model(m), quantization(m), target.describe(), findings, others, counts,
        loads, cleanIn, verdict(target, loads, counts.get(Severity.SILENT.id()), cleanIn));
  }

  private static final Comparator<Finding> ORDER = Comparator.comparing(Finding::severity)
      .thenComparingInt(f -> RuleCatalog.order(f.rule()));

  static List<Finding> findings(CheckedModel m, Target target) {
    var plan = target.isVllm() ? VllmPlan.of(m, target.vllm()) : null;
    var c = new Context(m, target, plan);
    var out = new ArrayList<Finding>();
    out.addAll(TowerRules.check(c));
    if (plan != null) out.addAll(LayerRules.check(c));
    out.addAll(FusedRules.check(c));
    out.addAll(TensorRules.check(c));
    out.addAll(ConfigRules.check(c));
    out.addAll(KernelRules.check(c));
    out.addAll(ModelRules.check(c));
    out.addAll(OtherEngineRules.check(c));
    out.sort(ORDER);
    return List.copyOf(out);
  }

  /** A finding's message with version labels blanked: equal for versions where the same mechanism applies. */
  private static String mechanism(Finding f) {
    return VERSION_LABEL.matcher(f.engineMessage()).replaceAll("vLLM X");
  }

  private static final java.util.regex.Pattern VERSION_LABEL =
      java.util.regex.Pattern.compile("vLLM (\\d+\\.\\d+\\.\\d+|main)");

  private static TreeSet<VllmVersion> firing(Map<VllmVersion, List<Finding>> byVersion, String rule) {
    return byVersion.entrySet().stream().filter(e -> e.getValue().stream().anyMatch(f -> f.rule().equals(rule)))
        .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
  }

  private static String verdict(Target target, boolean loads, int silent, String cleanIn) {
    var line = new StringBuilder("will load in ").append(target.describe()).append(": ").append(loads ? "yes" : "no");
    if (loads && silent > 0) {
      line.append(", but with ").append(silent).append(" silent fault").append(silent == 1 ? "" : "s")
          .append(" (wrong outputs)");
    }
    if (target.isVllm()) {
      line.append(cleanIn.isEmpty() ? " — no vLLM version examined loads it cleanly"
          : " — loads cleanly in " + cleanIn);
    }
    return line.toString();
  }

  private static String model(CheckedModel m) {
    var arch = m.config.architecture();
    return m.map.family().map(Family::displayName).orElse("unknown family") + " (" + (arch.isEmpty()
        ? m.config.modelType() : arch) + ")";
  }

  private static String quantization(CheckedModel m) {
    var q = m.quant;
    if (!q.quantized()) return "none";
    var details = new ArrayList<String>();
    q.modelopt().ifPresent(cfg -> {
      details.add(cfg.quantAlgo().orElse("no quant_algo"));
      cfg.kvCacheQuantAlgo().ifPresent(kv -> details.add("KV " + kv));
      if (!cfg.producerVersion().isEmpty()) details.add(cfg.producerName() + " " + cfg.producerVersion());
    });
    q.ct().ifPresent(ct -> {
      details.add(ct.groups().size() + " config group" + (ct.groups().size() == 1 ? "" : "s"));
      details.add(ct.ignore().size() + " ignore entr" + (ct.ignore().size() == 1 ? "y" : "ies"));
      if (ct.hasKvCacheScheme()) details.add("KV cache scheme");
    });
    return q.method() + (details.isEmpty() ? "" : ": " + String.join(", ", details)) + " (" + q.origin() + ")";
  }
}
