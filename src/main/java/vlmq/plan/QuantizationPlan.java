package vlmq.plan;

import vlmq.recipe.Recipe;
import vlmq.recipe.Rule;
import vlmq.recipe.QuantizationScheme;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import vlmq.VlmqException;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.TensorSpec;
import vlmq.model.Component;
import vlmq.model.Family;
import vlmq.model.FamilyMap;
import vlmq.model.ModelConfig;
import vlmq.model.ModuleNames;
import vlmq.model.TensorKind;
import vlmq.model.TensorRole;
import vlmq.plan.IgnoreRule.Origin;

/**
 * A recipe resolved against a checkpoint's real tensors: every Linear module quantized with a config group or kept
 * by a named rule, the config groups and ignore list compressed-tensors will record, and what it does to each
 * component's size. Resolution refuses what llm-compressor or vLLM would refuse later (split fused groups, partial
 * quantization groups, schemes that need calibration) and notes what is probably unintended as {@link #warnings()}.
 */
public final class QuantizationPlan {
  /**
   * One component's size before and after quantization.
   *
   * @param parameters stored elements (unchanged by quantization)
   * @param bytesBefore the stored bytes of the component's tensors
   * @param bytesAfter the same with each quantized weight replaced by the compressed-tensors tensors of its layout
   */
  public record Totals(long parameters, int linearModules, int quantizedModules, long quantizedParameters,
      long bytesBefore, long bytesAfter) {
    Totals plus(Totals o) {
      return new Totals(parameters + o.parameters, linearModules + o.linearModules,
          quantizedModules + o.quantizedModules, quantizedParameters + o.quantizedParameters,
          bytesBefore + o.bytesBefore, bytesAfter + o.bytesAfter);
    }
  }

  private static final String LINEAR = "Linear";
  private static final String EMBEDDING = "Embedding";

  private final Recipe recipe;
  private final FamilyMap map;
  private final List<IgnoreRule> rules;
  private final List<ModuleDecision> decisions;
  private final Map<String, QuantizationScheme> configGroups;
  private final Map<String, String> groupLabels;
  private final Map<Component, Totals> totals;
  private final List<String> warnings;

  private QuantizationPlan(Recipe recipe, FamilyMap map, List<IgnoreRule> rules, List<ModuleDecision> decisions,
      Map<String, QuantizationScheme> configGroups, Map<String, String> groupLabels, Map<Component, Totals> totals,
      List<String> warnings) {
    this.recipe = recipe;
    this.map = map;
    this.rules = rules;
    this.decisions = decisions;
    this.configGroups = configGroups;
    this.groupLabels = groupLabels;
    this.totals = totals;
    this.warnings = warnings;
  }

  /** Resolves {@code recipe} against an opened checkpoint's headers. */
  public static QuantizationPlan resolve(Recipe recipe, ModelConfig config, Checkpoint checkpoint,
      boolean quantizeVision) {
    var specs = checkpoint.tensors().stream().map(t -> new TensorSpec(t.name(), t.dtype(), t.shape())).toList();
    return resolve(recipe, config, specs, quantizeVision);
  }

  /**
   * Resolves {@code recipe} against the tensors of a checkpoint.
   *
   * @param quantizeVision the user wants the vision tower and projector quantized: vlmq's defaults then keep only
   *     lm_head and what vLLM requires, and quantized vision modules raise no warning
   * @throws VlmqException for a scheme that needs calibration data, a fused group split between quantized and
   *     kept or between schemes, a group-quantized weight whose in_features the group size does not divide, an
   *     already quantized checkpoint, or a plan that quantizes nothing
   */
  public static QuantizationPlan resolve(Recipe recipe, ModelConfig config, List<TensorSpec> tensors,
      boolean quantizeVision) {
    recipe.requireDataFree();
    var specs = new HashMap<String, TensorSpec>();
    var shapes = new LinkedHashMap<String, long[]>();
    for (var t : tensors) {
      specs.put(t.name(), t);
      shapes.put(t.name(), t.shape());
    }
    var map = FamilyMap.of(config, shapes);
    var components = linearComponents(map);
    var rules = rules(recipe, map, components, quantizeVision);
    var targets = targets(recipe);

    var order = componentOrder(map);
    var modules = map.linearModules().stream()
        .sorted(Comparator.comparingInt(m -> order.indexOf(components.get(m)))).toList();
    var chosen = new LinkedHashMap<String, Target>();
    var keptBy = new HashMap<String, String>();
    for (var module : modules) {
      var names = map.names(module);
      var target = matchTarget(targets, names, LINEAR);
      var ignore = target == null ? null : firstMatch(rules, names, LINEAR);
      if (target == null) keptBy.put(module, ModuleDecision.NOT_TARGETED);
      else if (ignore != null) keptBy.put(module, ignore.rule().text());
      else chosen.put(module, target);
    }
    refuseQuantizedEmbeddings(map, targets, rules);
    if (chosen.isEmpty()) {
      throw new VlmqException("the recipe quantizes no Linear module of this checkpoint: every one is kept by an "
          + "ignore rule or matched by no target; check the targets and ignore rules (see --plan)");
    }
    refuseSplitFusedGroups(map, chosen, keptBy);
    refusePartialGroups(recipe, chosen, specs, rules);

    var written = new LinkedHashMap<QuantizationScheme, String>();
    var labels = new LinkedHashMap<String, String>();
    for (var target : chosen.values()) {
      var scheme = target.scheme().withInferredFormat();
      if (!written.containsKey(scheme)) {
        var name = "group_" + written.size();
        written.put(scheme, name);
        var preset = recipe.presetOf(target.group());
        labels.put(name, preset != null ? preset.name() : target.group());
      }
    }
    var decisions = new ArrayList<ModuleDecision>();
    for (var module : modules) {
      var weight = weightOf(module, specs);
      var target = chosen.get(module);
      var component = components.get(module);
      if (target == null) {
        decisions.add(new ModuleDecision(module, component, weight.dtype(), weight.shape(), null, null, null,
            keptBy.get(module)));
        continue;
      }
      var scheme = target.scheme().withInferredFormat();
      var shape = weight.shape();
      var layout = LinearLayout.of(module, scheme.format(), scheme.weights(), weight.dtype(), shape[0], shape[1]);
      decisions.add(new ModuleDecision(module, component, weight.dtype(), shape, written.get(scheme), scheme, layout,
          null));
    }
    var groups = new LinkedHashMap<String, QuantizationScheme>();
    written.forEach((scheme, name) -> groups.put(name, scheme));
    return new QuantizationPlan(recipe, map, rules, List.copyOf(decisions), Collections.unmodifiableMap(groups),
        labels, totals(map, decisions, specs), List.copyOf(warnings(map, targets, rules, decisions, quantizeVision)));
  }

  /** The recipe as given. */
  public Recipe recipe() {
    return recipe;
  }

  /** The recipe with every ignore rule the plan applied (the user's or vlmq's defaults, then required ones). */
  public Recipe resolvedRecipe() {
    return recipe.withIgnore(rules.stream().map(r -> r.rule().text()).toList());
  }

  public FamilyMap familyMap() {
    return map;
  }

  /** The ignore rules applied, in matching order; a kept module names the first one that matched it. */
  public List<IgnoreRule> rules() {
    return rules;
  }

  /** Every Linear module in named_modules order (components as transformers nests them, names naturally within). */
  public List<ModuleDecision> decisions() {
    return decisions;
  }

  /**
   * The config groups compressed-tensors records ({@code QuantizationConfig.from_pretrained}): one per distinct
   * scheme, named {@code group_0…} in module order, targets as the recipe gave them, format inferred per group.
   */
  public Map<String, QuantizationScheme> configGroups() {
    return configGroups;
  }

  /** The preset a written group came from (e.g. {@code FP8_DYNAMIC}), or the recipe's own group name. */
  public String groupLabel(String group) {
    return groupLabels.get(group);
  }

  /**
   * The {@code ignore} list for config.json. compressed-tensors records every module left unquantized whose class
   * (Linear) is quantized elsewhere, in named_modules order — not the recipe's rules (spec §1.7). Each kept module
   * is listed in the checkpoint's spelling, followed by its transformers 5.x runtime spelling where that differs:
   * <ul>
   *   <li>vLLM maps every entry that is a plain dotted name through the model's {@code hf_to_vllm_mapper}, which
   *       takes both the checkpoint spelling ({@code visual.blocks.0.attn.qkv}) and the runtime one
   *       ({@code model.visual.blocks.0.attn.qkv}) to its own module name ({@code visual.blocks.0.attn.qkv});</li>
   *   <li>transformers 5.x ({@code quantizers/quantizer_compressed_tensors.py}) hands the config to
   *       compressed-tensors' {@code apply_quantization_config(model, …)}, which matches {@code ignore} against the
   *       live runtime module names, so a hub-layout checkpoint needs the runtime spelling to keep its vision tower
   *       unquantized.</li>
   * </ul>
   * An entry matching no module is ignored by both. vLLM's own spelling is not added: since vLLM 0.10 it maps the
   * names above itself, and older versions do not load vision-language compressed-tensors checkpoints correctly
   * anyway (spec engine-loading-rules §3.2). A fused group kept whole is also listed by its fused name
   * ({@code visual.blocks.0.mlp.gate_up_proj}): vLLM checks each shard's name only where the model declares the
   * group in {@code packed_modules_mapping}, which Qwen2.5-VL's vision MLP lacked before vLLM 0.10.2 (#23512).
   */
  public List<String> ignoreList() {
    var kept = new HashSet<String>();
    for (var d : decisions) if (!d.quantized()) kept.add(d.module());
    var fusedAfterLastMember = new HashMap<String, String>();
    for (var group : map.fusedGroups()) {
      if (kept.containsAll(group.members())) fusedAfterLastMember.put(group.members().getLast(), group.name());
    }
    var out = new LinkedHashSet<String>();
    for (var d : decisions) {
      if (d.quantized()) continue;
      out.add(d.module());
      out.add(map.names(d.module()).transformers());
      var fused = fusedAfterLastMember.get(d.module());
      if (fused != null) out.add(fused);
    }
    return List.copyOf(out);
  }

  /** Advice about the plan: unmatched user rules, vision modules quantized, the model map's doubts. */
  public List<String> warnings() {
    return warnings;
  }

  /** Sizes of {@code component}; zeros when the checkpoint has none of it. */
  public Totals totals(Component component) {
    return totals.get(component);
  }

  /** Sizes of the whole checkpoint. */
  public Totals total() {
    return totals.values().stream().reduce(new Totals(0, 0, 0, 0, 0, 0), Totals::plus);
  }

  /** The text {@code vlmq quantize --plan} prints (and quantize shows as its summary). */
  public String render() {
    return PlanText.render(this);
  }

  /** A config group of the recipe with one of its targets. */
  private record Target(Rule rule, String group, QuantizationScheme scheme) {}

  /**
   * Targets as compressed-tensors' {@code apply_quantization_config} holds them: a target in several groups belongs
   * to the last; sorted exact names first, then regexes, each alphabetically ({@code match_targets}).
   */
  private static List<Target> targets(Recipe recipe) {
    var byText = new LinkedHashMap<String, Target>();
    recipe.configGroups().forEach((group, scheme) -> {
      for (var text : scheme.targets()) byText.put(text, new Target(Rule.parse(text), group, scheme));
    });
    return byText.values().stream()
        .sorted(Comparator.comparing((Target t) -> t.rule().isRegex()).thenComparing(t -> t.rule().text()))
        .toList();
  }

  /** The winning target: the first name match (exact before regex), else the first class match. */
  private static Target matchTarget(List<Target> targets, ModuleNames names, String moduleClass) {
    Target byClass = null;
    for (var t : targets) {
      var how = t.rule().match(names, moduleClass);
      if (how == Rule.Match.EXACT_NAME || how == Rule.Match.REGEX) return t;
      if (how == Rule.Match.CLASS && byClass == null) byClass = t;
    }
    return byClass;
  }

  private static IgnoreRule firstMatch(List<IgnoreRule> rules, ModuleNames names, String moduleClass) {
    for (var r : rules) if (r.rule().matches(names, moduleClass)) return r;
    return null;
  }

  /** The user's rules, else vlmq's defaults; then the required rules the user did not already give. */
  private static List<IgnoreRule> rules(Recipe recipe, FamilyMap map, Map<String, Component> components,
      boolean quantizeVision) {
    var out = new ArrayList<IgnoreRule>();
    for (var text : recipe.ignore()) out.add(new IgnoreRule(Rule.parse(text), Origin.USER, ""));
    if (out.isEmpty()) out.addAll(DefaultRules.defaults(map, components, quantizeVision));
    var texts = out.stream().map(r -> r.rule().text()).collect(Collectors.toSet());
    for (var r : DefaultRules.required(map)) if (!texts.contains(r.rule().text())) out.add(r);
    return List.copyOf(out);
  }

  /** Each Linear module's component, taken from its tensors. */
  private static Map<String, Component> linearComponents(FamilyMap map) {
    var linear = new LinkedHashSet<>(map.linearModules());
    var out = new HashMap<String, Component>();
    for (var role : map.roles()) {
      if (linear.contains(role.module())) out.putIfAbsent(role.module(), role.component());
    }
    return out;
  }

  /** The order in which transformers' named_modules visits the components of the family. */
  private static List<Component> componentOrder(FamilyMap map) {
    if (map.family().orElse(null) == Family.MLLAMA) {
      return List.of(Component.VISION, Component.LANGUAGE, Component.EMBEDDINGS, Component.PROJECTOR,
          Component.LM_HEAD, Component.OTHER);
    }
    return List.of(Component.VISION, Component.PROJECTOR, Component.LANGUAGE, Component.EMBEDDINGS,
        Component.LM_HEAD, Component.OTHER);
  }

  private static TensorSpec weightOf(String module, Map<String, TensorSpec> specs) {
    var weight = specs.get(module + ".weight");
    if (weight == null) {
      throw new VlmqException(module + " has no plain weight (only " + module + ".weight_packed/qweight): the "
          + "checkpoint is already quantized; start from the original BF16/FP16 checkpoint");
    }
    if (weight.shape().length != 2) {
      throw new VlmqException(module + ".weight has shape " + Arrays.toString(weight.shape())
          + ": a Linear weight must be [out_features, in_features]");
    }
    return weight;
  }

  /** compressed-tensors would quantize a targeted nn.Embedding too; vlmq writes Linear layers only. */
  private static void refuseQuantizedEmbeddings(FamilyMap map, List<Target> targets, List<IgnoreRule> rules) {
    var embeddings = map.roles().stream().filter(r -> r.kind() == TensorKind.EMBEDDING).map(TensorRole::module)
        .distinct().toList();
    for (var module : embeddings) {
      var names = map.names(module);
      var target = matchTarget(targets, names, EMBEDDING);
      if (target != null && firstMatch(rules, names, EMBEDDING) == null) {
        throw new VlmqException("target '" + target.rule().text() + "' (" + target.group() + ") also matches the "
            + "embedding " + module + ", which llm-compressor would quantize but vlmq does not: narrow the target "
            + "or add --ignore " + module);
      }
    }
  }

  /** vLLM loads a fused group (q/k/v, gate/up, experts) as one layer with one scheme. */
  private static void refuseSplitFusedGroups(FamilyMap map, Map<String, Target> chosen, Map<String, String> keptBy) {
    for (var group : map.fusedGroups()) {
      if (group.isSplit(chosen::containsKey)) {
        var kept = group.members().stream().filter(m -> !chosen.containsKey(m)).toList();
        var quantized = group.members().stream().filter(chosen::containsKey).toList();
        var keepers = kept.stream().map(keptBy::get).distinct().map(r -> "'" + r + "'").toList();
        var groups = quantized.stream().map(m -> chosen.get(m).group()).distinct().toList();
        throw new VlmqException("fused group " + group.name() + " would be split: " + shortNames(kept)
            + " kept by " + String.join(", ", keepers) + " but " + shortNames(quantized) + " quantized by "
            + String.join(", ", groups) + "; vLLM loads " + shortNames(group.members()) + " as one layer and refuses "
            + "mixed precision: keep or quantize all of them (adjust the ignore rules)");
      }
      var schemes = group.members().stream().filter(chosen::containsKey)
          .map(m -> chosen.get(m).scheme().withInferredFormat().withTargets(Recipe.DEFAULT_TARGETS))
          .distinct().toList();
      if (schemes.size() > 1) {
        var groups = group.members().stream().map(m -> m.substring(m.lastIndexOf('.') + 1) + " → "
            + chosen.get(m).group()).toList();
        throw new VlmqException("fused group " + group.name() + " would mix schemes (" + String.join(", ", groups)
            + "); vLLM loads it as one layer with the first shard's scheme: give all members the same scheme");
      }
    }
  }

  private static String shortNames(List<String> modules) {
    return modules.stream().map(m -> m.substring(m.lastIndexOf('.') + 1)).collect(Collectors.joining("/"));
  }

  /**
   * compressed-tensors (and llm-compressor's divisibility check) refuse partial quantization groups. The message
   * names each offending weight and the --ignore rules that keep them; since the user's rules replace vlmq's
   * defaults, the defaults in use are repeated there.
   */
  private static void refusePartialGroups(Recipe recipe, Map<String, Target> chosen, Map<String, TensorSpec> specs,
      List<IgnoreRule> rules) {
    var offenders = new LinkedHashMap<String, List<String>>();
    chosen.forEach((module, target) -> {
      var w = target.scheme().weights();
      if (w == null || w.groupSize() == null || w.groupSize() <= 0) return;
      if (weightOf(module, specs).shape()[1] % w.groupSize() != 0) {
        var preset = recipe.presetOf(target.group());
        var what = (preset != null ? preset.name() : target.group()) + " quantizes in groups of " + w.groupSize();
        offenders.computeIfAbsent(what, k -> new ArrayList<>()).add(module);
      }
    });
    if (offenders.isEmpty()) return;
    var what = offenders.keySet().iterator().next();
    var modules = offenders.get(what);
    String found;
    var keep = new ArrayList<String>();
    if (modules.size() == 1) {
      found = modules.getFirst() + ".weight is " + Arrays.toString(weightOf(modules.getFirst(), specs).shape());
      keep.add(modules.getFirst());
    } else {
      var groups = NameGroups.collapse(modules);
      found = modules.size() + " Linear weights are not: " + groups.stream()
          .map(g -> g.pattern() + " " + Arrays.toString(weightOf(g.members().getFirst(), specs).shape()))
          .collect(Collectors.joining(", "));
      groups.forEach(g -> keep.add(g.members().size() == 1 ? g.members().getFirst() : "'re:" + g.regex() + "'"));
    }
    rules.stream().filter(r -> r.origin() == Origin.DEFAULT).forEach(r -> keep.add("'" + r.rule().text() + "'"));
    throw new VlmqException(what + " along in_features, which must divide by it, but " + found
        + "; compressed-tensors cannot write partial groups: keep " + (modules.size() == 1 ? "it" : "them") + " with "
        + keep.stream().map(k -> "--ignore " + k).collect(Collectors.joining(" ")));
  }

  private static Map<Component, Totals> totals(FamilyMap map, List<ModuleDecision> decisions,
      Map<String, TensorSpec> specs) {
    var out = new EnumMap<Component, Totals>(Component.class);
    for (var c : Component.values()) out.put(c, new Totals(map.parameters(c), 0, 0, 0, 0, 0));
    for (var role : map.roles()) {
      var t = out.get(role.component());
      long bytes = specs.get(role.name()).byteSize();
      out.put(role.component(), new Totals(t.parameters(), t.linearModules(), t.quantizedModules(),
          t.quantizedParameters(), t.bytesBefore() + bytes, t.bytesAfter() + bytes));
    }
    for (var d : decisions) {
      var t = out.get(d.component());
      if (!d.quantized()) {
        out.put(d.component(), new Totals(t.parameters(), t.linearModules() + 1, t.quantizedModules(),
            t.quantizedParameters(), t.bytesBefore(), t.bytesAfter()));
        continue;
      }
      var weight = specs.get(d.module() + ".weight");
      long written = d.layout().tensors().stream().mapToLong(l -> l.byteSize()).sum();
      out.put(d.component(), new Totals(t.parameters(), t.linearModules() + 1, t.quantizedModules() + 1,
          t.quantizedParameters() + weight.elementCount(), t.bytesBefore(),
          t.bytesAfter() - weight.byteSize() + written));
    }
    return Collections.unmodifiableMap(out);
  }

  private static List<String> warnings(FamilyMap map, List<Target> targets, List<IgnoreRule> rules,
      List<ModuleDecision> decisions, boolean quantizeVision) {
    var out = new ArrayList<>(map.warnings());
    var modules = decisions.stream().map(ModuleDecision::module).toList();
    for (var r : rules) {
      if (r.origin() != Origin.USER) continue;
      if (modules.stream().noneMatch(m -> r.rule().matches(map.names(m), LINEAR))) {
        out.add("ignore rule '" + r.rule().text() + "' matches no Linear module" + hint(r.rule(), modules, map));
      }
    }
    for (var t : targets) {
      if (modules.stream().noneMatch(m -> t.rule().matches(map.names(m), LINEAR))) {
        out.add("target '" + t.rule().text() + "' (" + t.group() + ") matches no Linear module"
            + hint(t.rule(), modules, map));
      }
    }
    var vision = decisions.stream()
        .filter(d -> d.quantized() && (d.component() == Component.VISION || d.component() == Component.PROJECTOR))
        .map(ModuleDecision::module).toList();
    if (!quantizeVision && !vision.isEmpty()) {
      out.add(vision.size() + " vision/projector Linear module(s) will be quantized ("
          + NameGroups.collapse(vision).getFirst().pattern() + ", …): the rules given do not keep the vision tower; "
          + "add an ignore rule for it unless quantizing it is intended");
    }
    decisions.stream().filter(d -> d.quantized() && d.component() == Component.LM_HEAD).findFirst().ifPresent(d ->
        out.add(d.module() + " will be quantized: vLLM runs a quantized lm_head only for some schemes; add --ignore "
            + "lm_head unless that is intended"));
    return out;
  }

  /** Why a rule matched nothing, when the reason is a common one. */
  private static String hint(Rule rule, List<String> modules, FamilyMap map) {
    if (rule.looksLikeClass()) {
      return " ('" + rule.text() + "' reads as a class name; vlmq resolves the classes Linear and Embedding only)";
    }
    if (!rule.isRegex()) {
      boolean parent = modules.stream().anyMatch(m -> map.names(m).all().stream()
          .anyMatch(n -> n.startsWith(rule.text() + ".")));
      if (parent) {
        return " (a plain name matches that one module only; for everything under it use 're:"
            + Rule.literal(rule.text()) + "\\..*')";
      }
    }
    return "";
  }
}
