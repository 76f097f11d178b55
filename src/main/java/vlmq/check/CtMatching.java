package vlmq.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * vLLM's compressed-tensors matching at one version (engine-loading-rules §3.2–§3.3): {@code should_ignore_layer}
 * (exact names or {@code re:} with {@code re.match}, shard by shard for fused layers) and
 * {@code find_matched_target} (name, then class-name substring, then every shard). Since #20046 plain entries pass
 * through the family's mapper; regexes never do.
 */
record CtMatching(CtConfig config, List<String> ignore, List<GroupTarget> targets, boolean packedMapping) {

  /** A config group's target as vLLM holds it (possibly mapped). */
  record GroupTarget(String pattern, CtConfig.Group group) {}

  sealed interface Result {}

  record Ignored(String entry) implements Result {}

  record Matched(CtConfig.Group group, String target) implements Result {}

  /** The config quantizes no weights (a KV-cache-only config): every layer stays unquantized. */
  record NoGroups() implements Result {}

  /** Not ignored and no target matches: vLLM raises. */
  record NoTarget() implements Result {}

  /** Shards disagree on whether they are ignored: vLLM raises. */
  record Split(List<String> ignored, List<String> kept) implements Result {}

  static CtMatching at(CtConfig config, VllmModel model, VllmVersion version) {
    boolean mapped = version.has(VllmChange.CT_IGNORE_MAPPED);
    var ignore = config.ignore().stream().map(e -> mapped ? mapEntry(model, e) : e).toList();
    var targets = new ArrayList<GroupTarget>();
    for (var group : config.groups()) {
      if (group.scheme() == null) continue;
      for (var t : group.scheme().targets()) targets.add(new GroupTarget(mapped ? mapEntry(model, t) : t, group));
    }
    return new CtMatching(config, ignore, List.copyOf(targets), model.hasPackedMapping(version));
  }

  private static String mapEntry(VllmModel model, String entry) {
    return entry.startsWith("re:") || !entry.contains(".") ? entry : model.map(entry);
  }

  Result match(Layer layer) {
    if (config.groups().stream().noneMatch(g -> g.scheme() != null && g.scheme().weights() != null)
        && config.groups().stream().allMatch(g -> g.scheme() != null)) {
      return new NoGroups();
    }
    var name = layer.vllmName();
    var shards = layer.shards().stream().map(Shard::vllmModule).toList();
    if (packedMapping && layer.fused() && !ignore.contains(name)) {
      var ignored = new ArrayList<String>();
      var kept = new ArrayList<String>();
      String entry = null;
      for (var shard : shards) {
        var hit = firstMatch(ignore, shard);
        if (hit.isPresent()) {
          ignored.add(shard);
          entry = entry == null ? hit.get() : entry;
        } else {
          kept.add(shard);
        }
      }
      if (!ignored.isEmpty() && !kept.isEmpty()) return new Split(ignored, kept);
      if (!ignored.isEmpty()) return new Ignored(entry);
    } else {
      var hit = firstMatch(ignore, name);
      if (hit.isPresent()) return new Ignored(hit.get());
    }
    for (var t : targets) {
      if (matches(t.pattern(), name)) return new Matched(t.group(), t.pattern());
    }
    var cls = layer.vllmClass().toLowerCase(Locale.ROOT);
    for (var t : targets) {
      if (!t.pattern().startsWith("re:") && cls.contains(t.pattern().toLowerCase(Locale.ROOT))) {
        return new Matched(t.group(), t.pattern());
      }
    }
    if (layer.parallel() == Layer.Parallel.EXPERTS) {
      for (var t : targets) if (t.pattern().equals("Linear")) return new Matched(t.group(), t.pattern());
    }
    if (layer.fused()) {
      GroupTarget first = null;
      for (var shard : shards) {
        var hit = targets.stream().filter(t -> matches(t.pattern(), shard)).findFirst();
        if (hit.isEmpty()) return new NoTarget();
        first = first == null ? hit.get() : first;
      }
      return new Matched(first.group(), first.pattern());
    }
    return new NoTarget();
  }

  /** The group each shard would match on its own (for fused layers whose shards fall into different groups). */
  List<Optional<CtConfig.Group>> shardGroups(Layer layer) {
    var out = new ArrayList<Optional<CtConfig.Group>>();
    for (var shard : layer.shards()) {
      out.add(targets.stream().filter(t -> matches(t.pattern(), shard.vllmModule())).findFirst().map(GroupTarget::group));
    }
    return out;
  }

  private static Optional<String> firstMatch(List<String> entries, String name) {
    return entries.stream().filter(e -> matches(e, name)).findFirst();
  }

  static boolean matches(String entry, String name) {
    if (entry.startsWith("re:")) return Patterns.reMatch(entry.substring(3), name).orElse(false);
    return entry.equals(name);
  }
}
