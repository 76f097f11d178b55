package vlmq.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import vlmq.VlmqException;
import vlmq.model.CheckpointPrefixes.Match;
import vlmq.model.CheckpointPrefixes.Origin;
import vlmq.model.CheckpointPrefixes.Root;

/**
 * Every stored tensor of a checkpoint placed in its model: component (vision, projector, language, …) and kind
 * (Linear weight, norm, …), from config.json and the tensors' names and shapes alone. Known families use their
 * exact prefixes under every key layout; other architectures fall back to name patterns and say so in
 * {@link #warnings()}.
 */
public final class FamilyMap {
  private static final int EXAMPLES = 3;

  private final Optional<Family> family;
  private final List<Root> roots;
  private final Map<String, TensorRole> roles;
  private final KeyLayout layout;
  private final List<String> linearModules;
  private final List<String> warnings;

  private FamilyMap(Optional<Family> family, List<Root> roots, Map<String, TensorRole> roles, KeyLayout layout,
      List<String> linearModules, List<String> warnings) {
    this.family = family;
    this.roots = roots;
    this.roles = roles;
    this.layout = layout;
    this.linearModules = linearModules;
    this.warnings = warnings;
  }

  /**
   * Classifies the tensors of a checkpoint.
   *
   * @param shapes every stored tensor's name and shape, as the safetensors headers give them
   * @throws VlmqException for an empty tensor name or a missing or negative shape
   */
  public static FamilyMap of(ModelConfig config, Map<String, long[]> shapes) {
    var family = Family.detect(config);
    var roots = family.map(f -> CheckpointPrefixes.of(f, config)).orElse(List.of());
    var names = new TreeMap<String, long[]>(NaturalOrder.INSTANCE);
    shapes.forEach((name, shape) -> names.put(validName(name), validShape(name, shape)));

    var moduleKinds = moduleKinds(names);
    var roles = new LinkedHashMap<String, TensorRole>();
    var matches = new ArrayList<Match>();
    var unmatched = new ArrayList<String>();
    names.forEach((name, shape) -> {
      var module = moduleOf(name);
      var param = paramOf(name);
      Component component;
      if (family.isPresent()) {
        var match = CheckpointPrefixes.match(roots, name);
        match.ifPresent(matches::add);
        if (match.isEmpty()) unmatched.add(name);
        component = match.map(m -> m.root().component()).orElse(Component.OTHER);
      } else {
        component = NamePatterns.component(name);
      }
      var kind = switch (param) {
        case "weight" -> TensorKinds.ofWeight(module, shape.length);
        case "bias" -> TensorKinds.ofBias(moduleKinds.get(module));
        default -> TensorKinds.QUANT_PARAMS.contains(param) ? TensorKind.QUANT_PARAM : TensorKind.OTHER;
      };
      roles.put(name, new TensorRole(name, component, kind, module, elements(name, shape)));
    });

    var linear = moduleKinds.entrySet().stream()
        .filter(e -> e.getValue() == TensorKind.LINEAR_WEIGHT).map(Map.Entry::getKey)
        .sorted(NaturalOrder.INSTANCE).toList();
    var layout = family.isPresent()
        ? layoutOf(roots, matches)
        : new KeyLayout(KeyLayout.Kind.UNRECOGNIZED, List.of());
    var warnings = warnings(config, family, roles.values(), unmatched, layout);
    return new FamilyMap(family, roots, roles, layout, linear, warnings);
  }

  /** The family config.json names; empty when the architecture is unknown and name patterns were used. */
  public Optional<Family> family() {
    return family;
  }

  /** The key layout the tensor names use. */
  public KeyLayout layout() {
    return layout;
  }

  /** Doubts about the classification (unknown architecture, unmatched tensors, mixed layouts), for the user. */
  public List<String> warnings() {
    return warnings;
  }

  /** The role of a stored tensor. */
  public TensorRole role(String tensor) {
    var role = roles.get(tensor);
    if (role == null) throw new IllegalArgumentException("no tensor named " + tensor + " in this checkpoint");
    return role;
  }

  /** Every stored tensor's role, in natural name order. */
  public List<TensorRole> roles() {
    return List.copyOf(roles.values());
  }

  /**
   * Modules that are nn.Linear: a 2-D weight that is not an embedding, or a packed quantized weight
   * ({@code weight_packed}, {@code qweight}). A tied lm_head is not stored, so it is not listed.
   */
  public List<String> linearModules() {
    return linearModules;
  }

  /** The Linear modules serving engines fuse, which must be quantized alike. */
  public List<FusedGroup> fusedGroups() {
    return FusedGroup.of(linearModules);
  }

  /** Stored elements under {@code component}; a tied lm_head counts under embeddings, once. */
  public long parameters(Component component) {
    return roles.values().stream().filter(r -> r.component() == component).mapToLong(TensorRole::elements).sum();
  }

  /** Stored elements per component, every component present. */
  public Map<Component, Long> parameters() {
    var out = new EnumMap<Component, Long>(Component.class);
    for (var component : Component.values()) out.put(component, parameters(component));
    return out;
  }

  /** Whether the checkpoint stores no lm_head, i.e. the head reuses the input embeddings. */
  public boolean lmHeadTied() {
    return roles.values().stream().noneMatch(r -> r.component() == Component.LM_HEAD);
  }

  /**
   * {@code module}'s name in every layout this family's loaders know, given any checkpoint spelling of it; for an
   * unknown family or a name outside the known prefixes, the name itself everywhere.
   */
  public ModuleNames names(String module) {
    var match = CheckpointPrefixes.match(roots, module);
    if (match.isEmpty()) return new ModuleNames(module, List.of(module), module);
    var root = match.get().root();
    var rest = match.get().remainder(module);
    return new ModuleNames(join(root.transformers(), rest), root.hub().stream().map(p -> join(p, rest)).toList(),
        join(root.vllm(), rest));
  }

  private static String join(String prefix, String rest) {
    return rest.isEmpty() ? prefix.substring(0, prefix.length() - 1) : prefix + rest;
  }

  private static String moduleOf(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(0, dot);
  }

  private static String paramOf(String name) {
    return name.substring(name.lastIndexOf('.') + 1);
  }

  /** The kind each module's weight (plain or packed) gives it. */
  private static Map<String, TensorKind> moduleKinds(Map<String, long[]> names) {
    var kinds = new HashMap<String, TensorKind>();
    names.forEach((name, shape) -> {
      var module = moduleOf(name);
      var param = paramOf(name);
      if (param.equals("weight")) kinds.put(module, TensorKinds.ofWeight(module, shape.length));
      else if (TensorKinds.PACKED_WEIGHTS.contains(param)) kinds.putIfAbsent(module, TensorKind.LINEAR_WEIGHT);
    });
    return kinds;
  }

  private static KeyLayout layoutOf(List<Root> roots, Collection<Match> matches) {
    var used = new LinkedHashSet<CheckpointPrefixes.Spelling>();
    for (var root : roots) {
      for (var spelling : root.spellings()) {
        if (matches.stream().anyMatch(m -> m.spelling().equals(spelling))) used.add(spelling);
      }
    }
    boolean nativeUsed = used.stream().anyMatch(s -> s.origin() == Origin.NATIVE);
    boolean hubUsed = used.stream().anyMatch(s -> s.origin() == Origin.HUB);
    var kind = nativeUsed && hubUsed ? KeyLayout.Kind.MIXED : hubUsed ? KeyLayout.Kind.HUB : KeyLayout.Kind.NATIVE;
    var prefixes = used.stream().map(CheckpointPrefixes.Spelling::prefix).toList();
    var top = prefixes.stream()
        .filter(p -> prefixes.stream().noneMatch(q -> !q.equals(p) && p.startsWith(q))).toList();
    return new KeyLayout(kind, top);
  }

  private static List<String> warnings(ModelConfig config, Optional<Family> family, Collection<TensorRole> roles,
      List<String> unmatched, KeyLayout layout) {
    var out = new ArrayList<String>();
    if (family.isEmpty()) {
      out.add("unknown architecture '" + config.architecture() + "' (model_type '" + config.modelType()
          + "'): components were guessed from tensor names; check them before quantizing");
      return List.copyOf(out);
    }
    var name = family.get().displayName();
    if (!unmatched.isEmpty()) {
      out.add(unmatched.size() + " tensor(s) match no known " + name + " prefix and count as other: "
          + examples(unmatched));
    }
    if (!roles.isEmpty() && roles.stream().noneMatch(r -> r.component() == Component.VISION)) {
      out.add("no vision tower tensors found for " + name + ": is this a text-only checkpoint?");
    }
    if (layout.kind() == KeyLayout.Kind.MIXED) {
      out.add("tensor names mix the transformers-5 and the legacy hub key layout (" + String.join(", ",
          layout.prefixes()) + "); transformers loads both, but write one");
    }
    return List.copyOf(out);
  }

  private static String examples(List<String> names) {
    var shown = names.stream().limit(EXAMPLES).collect(Collectors.joining(", "));
    return names.size() > EXAMPLES ? shown + ", …" : shown;
  }

  private static String validName(String name) {
    if (name == null || name.isEmpty()) throw new VlmqException("checkpoint has a tensor with an empty name");
    return name;
  }

  private static long[] validShape(String name, long[] shape) {
    if (shape == null) throw new VlmqException("tensor '" + name + "' has no shape");
    for (long d : shape) {
      if (d < 0) throw new VlmqException("tensor '" + name + "' has a negative dimension in its shape");
    }
    return shape;
  }

  private static long elements(String name, long[] shape) {
    long n = 1;
    try {
      for (long d : shape) n = Math.multiplyExact(n, d);
    } catch (ArithmeticException e) {
      throw new VlmqException("tensor '" + name + "' has more elements than a long can count", e);
    }
    return n;
  }
}
