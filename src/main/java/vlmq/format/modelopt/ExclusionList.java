package vlmq.format.modelopt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import vlmq.VlmqException;
import vlmq.model.Component;
import vlmq.model.FamilyMap;
import vlmq.model.TensorRole;

/**
 * The ModelOpt exclusion list written in every form the engines match (producer rule P3, engine-loading-rules
 * §1.5): every kept Linear under each spelling the loaders know (checkpoint, transformers runtime, original hub,
 * vLLM), the pair {@code prefix} + {@code prefix.*} for each vision tower or projector kept whole, a bare substring
 * token such as {@code visual.} for vLLM ≤ 0.10 and SGLang, and {@code lm_head} as ModelOpt always adds it.
 *
 * <p>Every vLLM generation also tests entries as raw substrings of its module names, so an entry is written only
 * if it matches no quantized module under any spelling (substring, {@code X.*} prefix, or equality); a kept module
 * none of whose names is safe is refused, since vLLM would then build one of the two wrongly.
 */
public final class ExclusionList {
  private static final Set<Component> TOWER = EnumSet.of(Component.VISION, Component.PROJECTOR);
  private static final String LM_HEAD = "lm_head";

  private ExclusionList() {}

  /**
   * @param kept Linear modules left unquantized, checkpoint spelling (listed in the map's module order)
   * @param quantized Linear modules quantized, checkpoint spelling
   * @throws VlmqException when a kept module's every name is a substring of a quantized module's name
   */
  public static List<String> of(FamilyMap map, Collection<String> kept, Collection<String> quantized) {
    var forbidden = new ArrayList<String>();
    for (var q : quantized) forbidden.addAll(spellings(map, q));
    var out = new LinkedHashSet<String>();
    var keptSet = Set.copyOf(kept);
    for (var module : map.linearModules().stream().filter(keptSet::contains).toList()) {
      var safe = spellings(map, module).stream().filter(e -> matchesNone(e, forbidden)).toList();
      if (safe.isEmpty()) {
        throw new VlmqException("cannot exclude " + module + " from ModelOpt quantization: every spelling of it is"
            + " part of a quantized module's name (" + spellings(map, module) + "), and vLLM matches exclusions as"
            + " substrings; quantize it too, or write compressed-tensors, whose ignore list matches exact names");
      }
      out.addAll(safe);
    }
    for (var prefix : towerPrefixes(map, kept, quantized)) {
      for (var p : spellings(map, prefix)) {
        if (matchesNone(p, forbidden) && matchesNone(p + ".*", forbidden)) {
          out.add(p);
          out.add(p + ".*");
        }
      }
      token(map, prefix, kept, forbidden).ifPresent(out::add);
    }
    if (!quantized.isEmpty() && matchesNone(LM_HEAD, forbidden)) out.add(LM_HEAD);
    return List.copyOf(out);
  }

  /** Whether vLLM's ModelOpt matcher, in any version, would take {@code entry} to cover none of {@code names}. */
  static boolean matchesNone(String entry, List<String> names) {
    for (var name : names) {
      if (name.equals(entry) || name.contains(entry)) return false;
      if (entry.endsWith(".*") && name.startsWith(entry.substring(0, entry.length() - 1))) return false;
    }
    return true;
  }

  /** Every spelling of a module, plus vLLM's with its {@code language_model.} wrapper stripped (vLLM retries that). */
  private static List<String> spellings(FamilyMap map, String module) {
    var names = new LinkedHashSet<String>();
    names.add(module);
    names.addAll(map.names(module).all());
    var vllm = map.names(module).vllm();
    if (vllm.startsWith("language_model.")) names.add(vllm.substring("language_model.".length()));
    return List.copyOf(names);
  }

  /**
   * The roots of the vision tower and projector when they hold only kept modules: the longest dotted prefix all
   * their tensors share, taken together (Qwen's {@code visual}) or, when that is not theirs alone, per component
   * (LLaVA's {@code vision_tower}, {@code multi_modal_projector}; Idefics3's {@code model.vision_model},
   * {@code model.connector}).
   */
  private static List<String> towerPrefixes(FamilyMap map, Collection<String> kept, Collection<String> quantized) {
    var keptSet = new LinkedHashSet<>(kept);
    var quantizedSet = new LinkedHashSet<>(quantized);
    var towerRoles = map.roles().stream().filter(r -> TOWER.contains(r.component())).toList();
    if (towerRoles.isEmpty()) return List.of();
    if (towerRoles.stream().anyMatch(r -> quantizedSet.contains(r.module()))) {
      return List.of(); // a quantized tower has no subtree to exclude whole
    }
    if (towerRoles.stream().noneMatch(r -> keptSet.contains(r.module()))) return List.of();
    var others = map.roles().stream().filter(r -> !TOWER.contains(r.component())).map(TensorRole::name).toList();
    var joint = commonPrefix(towerRoles);
    if (ownsSubtree(joint, others)) return List.of(joint);
    var out = new ArrayList<String>();
    for (var component : TOWER) {
      var prefix = commonPrefix(towerRoles.stream().filter(r -> r.component() == component).toList());
      if (ownsSubtree(prefix, others)) out.add(prefix);
    }
    return out;
  }

  /** Whether {@code prefix} is a subtree no tensor outside the tower lives in (Idefics3's {@code model} is not). */
  private static boolean ownsSubtree(String prefix, List<String> others) {
    return !prefix.isEmpty() && others.stream().noneMatch(n -> n.startsWith(prefix + "."));
  }

  /** The longest dotted prefix of every tensor's name ("" when they share none). */
  private static String commonPrefix(List<TensorRole> roles) {
    if (roles.isEmpty()) return "";
    var parts = roles.getFirst().name().split("\\.");
    int n = parts.length - 1; // never the parameter name itself
    for (var role : roles) {
      var other = role.name().split("\\.");
      int i = 0;
      while (i < n && i < other.length - 1 && parts[i].equals(other[i])) i++;
      n = i;
    }
    return String.join(".", Arrays.copyOf(parts, n));
  }

  /**
   * A bare substring token for the subtree at {@code prefix}: the first segment of its vLLM name (followed by a
   * dot) that every spelling of every kept module under it contains and no quantized module's does.
   */
  private static Optional<String> token(FamilyMap map, String prefix, Collection<String> kept,
      List<String> forbidden) {
    var under = kept.stream().filter(m -> m.equals(prefix) || m.startsWith(prefix + "."))
        .flatMap(m -> spellings(map, m).stream())
        .toList();
    if (under.isEmpty()) return Optional.empty();
    for (var segment : map.names(prefix).vllm().split("\\.")) {
      var token = segment + ".";
      if (matchesNone(token, forbidden) && under.stream().allMatch(n -> n.contains(token))) {
        return Optional.of(token);
      }
    }
    return Optional.empty();
  }
}
