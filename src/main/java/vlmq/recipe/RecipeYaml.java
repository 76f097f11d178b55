package vlmq.recipe;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import vlmq.VlmqException;

/**
 * llm-compressor recipe files (LC {@code recipe/recipe.py} {@code Recipe.from_dict}, {@code recipe/utils.py}).
 * LC reads {@code <name>_stage: {<name>_modifiers: {ModifierType: {args}}}} and writes
 * {@code default_stage: default_modifiers: QuantizationModifier: {...}} next to every saved model; appending to an
 * existing recipe.yaml numbers the stages ({@code default_stage_0}, {@code default_stage_1}), and LC ≤ 0.5 wrote
 * {@code run_type: oneshot} into a stage. Also accepted: top-level {@code <name>_modifiers} (LC ≤ 0.5's default
 * stage) and a bare {@code QuantizationModifier: {...}} mapping (current LC would silently find no modifier in it).
 * Everything else is refused by name, where LC would skip it silently: a recipe that quietly quantizes nothing is
 * worse than an error.
 */
final class RecipeYaml {
  private RecipeYaml() {}

  static final String MODIFIER = "QuantizationModifier";

  private static final YAMLMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .build())
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();

  private static final Pattern STAGE = Pattern.compile(".+_stage(_\\d+)?");

  /** LC modifiers that exist but need calibration data or algorithms vlmq does not have yet. */
  private static final Set<String> LATER = Set.of("GPTQModifier", "SmoothQuantModifier", "AWQModifier",
      "SparseGPTModifier", "AutoRoundModifier", "QuIPModifier", "SpinQuantModifier");

  /** QuantizationModifier fields (LC {@code QuantizationMixin}) vlmq honours. */
  private static final Set<String> FIELDS = Set.of("targets", "ignore", "scheme", "config_groups", "kv_cache_scheme",
      "bypass_divisibility_checks");
  /** Fields of LC's {@code Modifier} base class, meaningless for a one-shot run. */
  private static final Set<String> LIFECYCLE = Set.of("index", "group", "start", "end", "update");
  private static final Set<String> OBSERVERS = Set.of("weight_observer", "input_observer", "output_observer",
      "observer");

  private record Found(String path, String type, JsonNode args) {}

  static Recipe parse(String text, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JacksonException e) {
      var where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
      throw new VlmqException(source + " is not valid YAML" + where + ": " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new VlmqException(source + " must hold a recipe mapping such as default_stage: default_modifiers: "
          + MODIFIER + ": {scheme: FP8_DYNAMIC}");
    }
    var found = new ArrayList<Found>();
    for (var e : root.properties()) {
      var key = e.getKey();
      if (STAGE.matcher(key).matches()) stage(source, key, e.getValue(), found);
      else if (key.endsWith("_modifiers")) modifiers(source, key, e.getValue(), found);
      else if (key.endsWith("Modifier")) found.add(new Found(key, key, e.getValue()));
      else throw new VlmqException(source + ": unknown top-level key '" + key + "': expected <name>_stage (e.g. "
          + "default_stage: default_modifiers: " + MODIFIER + ": ...)");
    }
    for (var f : found) {
      if (LATER.contains(f.type())) {
        throw new VlmqException(source + ": " + f.path() + ": " + f.type() + " is not supported yet (it needs "
            + "calibration data); vlmq runs one data-free " + MODIFIER + ": remove it or use llm-compressor");
      }
      if (!f.type().equals(MODIFIER)) {
        throw new VlmqException(source + ": " + f.path() + ": unknown modifier '" + f.type() + "': vlmq runs one "
            + MODIFIER);
      }
    }
    if (found.isEmpty()) throw new VlmqException(source + " holds no " + MODIFIER);
    if (found.size() > 1) {
      throw new VlmqException(source + " holds " + found.size() + " QuantizationModifiers ("
          + String.join(", ", found.stream().map(Found::path).toList()) + "): vlmq runs exactly one");
    }
    return modifier(source + ": " + found.getFirst().path(), found.getFirst().args());
  }

  private static void stage(String source, String key, JsonNode stage, List<Found> found) {
    if (!stage.isObject()) throw new VlmqException(source + ": " + key + " must be a mapping of <name>_modifiers");
    for (var e : stage.properties()) {
      if (e.getKey().equals("run_type")) continue;
      if (!e.getKey().endsWith("_modifiers")) {
        throw new VlmqException(source + ": " + key + ": unknown key '" + e.getKey() + "': expected <name>_modifiers");
      }
      modifiers(source, key + "." + e.getKey(), e.getValue(), found);
    }
  }

  private static void modifiers(String source, String path, JsonNode group, List<Found> found) {
    if (!group.isObject()) throw new VlmqException(source + ": " + path + " must map modifier types to their arguments");
    for (var e : group.properties()) found.add(new Found(path + "." + e.getKey(), e.getKey(), e.getValue()));
  }

  /** The modifier's arguments as LC's {@code QuantizationMixin} validates them. */
  private static Recipe modifier(String where, JsonNode args) {
    if (args == null || !args.isObject()) throw new VlmqException(where + " must be a mapping of arguments");
    for (var key : iterable(args.fieldNames())) {
      if (OBSERVERS.contains(key)) {
        throw new VlmqException(where + "." + key + ": observer overrides are not supported; vlmq rounds weights "
            + "with the scheme's min-max observer");
      }
      if (!FIELDS.contains(key) && !LIFECYCLE.contains(key)) {
        throw new VlmqException(where + ": unknown key '" + key + "': " + MODIFIER + " takes "
            + FIELDS.stream().sorted().toList());
      }
    }
    var bypass = present(args, "bypass_divisibility_checks");
    if (bypass != null && (!bypass.isBoolean() || bypass.asBoolean())) {
      throw new VlmqException(where + ".bypass_divisibility_checks: vlmq writes only whole groups, as "
          + "compressed-tensors does; keep modules whose in_features is not a multiple of group_size with ignore");
    }
    var targets = present(args, "targets") == null ? Recipe.DEFAULT_TARGETS : strings(where, "targets", args.get("targets"), true);
    var ignore = present(args, "ignore") == null ? List.<String>of() : strings(where, "ignore", args.get("ignore"), false);
    var scheme = present(args, "scheme");
    var groups = present(args, "config_groups");
    if (scheme != null && groups != null) {
      throw new VlmqException(where + ": give either scheme or config_groups, not both (llm-compressor refuses both)");
    }
    Recipe.Schemes schemes;
    if (scheme != null) schemes = scheme(where + ".scheme", scheme);
    else if (groups != null && groups.isObject() && !groups.isEmpty()) schemes = configGroups(where + ".config_groups", groups);
    else if (groups != null && !groups.isObject()) throw new VlmqException(where + ".config_groups must map group names to schemes");
    else throw new VlmqException(where + " has no scheme or config_groups: llm-compressor would quantize nothing; "
          + "add e.g. scheme: FP8_DYNAMIC");
    var kv = present(args, "kv_cache_scheme");
    return new Recipe(targets, schemes, ignore, kv == null ? null : RecipeJson.args(kv, where + ".kv_cache_scheme"));
  }

  private static Recipe.Schemes scheme(String where, JsonNode scheme) {
    if (scheme.isTextual()) return new Recipe.PresetScheme(preset(where, scheme.asText()));
    if (!scheme.isObject() || scheme.isEmpty()) {
      throw new VlmqException(where + " must be a preset name (e.g. W4A16) or a mapping of preset names to targets");
    }
    var map = new LinkedHashMap<Preset, List<String>>();
    for (var e : scheme.properties()) {
      map.put(preset(where, e.getKey()), strings(where, e.getKey(), e.getValue(), true));
    }
    return new Recipe.PresetTargets(map);
  }

  private static Recipe.Schemes configGroups(String where, JsonNode groups) {
    var map = new LinkedHashMap<String, QuantizationScheme>();
    for (var e : groups.properties()) map.put(e.getKey(), RecipeJson.scheme(e.getValue(), where + "." + e.getKey()));
    return new Recipe.ConfigGroups(map);
  }

  private static Preset preset(String where, String name) {
    try {
      return Preset.byName(name);
    } catch (VlmqException e) {
      throw new VlmqException(where + ": " + e.getMessage(), e);
    }
  }

  /** A list of strings; {@code targets} may also be one string, as LC's validator allows. */
  private static List<String> strings(String where, String key, JsonNode node, boolean singleAllowed) {
    if (singleAllowed && node.isTextual()) return List.of(node.asText());
    if (!node.isArray()) {
      throw new VlmqException(where + "." + key + " must be a list of rules (module names, re:<regex>, class names)");
    }
    var out = new ArrayList<String>();
    for (var item : node) {
      if (!item.isTextual()) throw new VlmqException(where + "." + key + " holds " + item + ": rules are strings");
      out.add(item.asText());
    }
    return out;
  }

  /** A field's value, or null when it is absent or null (LC's None). */
  private static JsonNode present(JsonNode args, String key) {
    var v = args.get(key);
    return v == null || v.isNull() ? null : v;
  }

  private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
    return () -> it;
  }

  /** The recipe in LC's own layout: QuantizationModifier under default_stage.default_modifiers. */
  static String write(Recipe recipe) {
    ObjectNode modifier = YAML.createObjectNode();
    if (recipe.schemes() instanceof Recipe.ConfigGroups c) {
      var groups = modifier.putObject("config_groups");
      c.groups().forEach((name, scheme) -> groups.set(name, withoutNulls(RecipeJson.toJson(scheme))));
    }
    strings(modifier.putArray("targets"), recipe.targets());
    strings(modifier.putArray("ignore"), recipe.ignore());
    switch (recipe.schemes()) {
      case Recipe.PresetScheme p -> modifier.put("scheme", p.preset().name());
      case Recipe.PresetTargets p -> {
        var scheme = modifier.putObject("scheme");
        p.targets().forEach((preset, targets) -> strings(scheme.putArray(preset.name()), targets));
      }
      case Recipe.ConfigGroups c -> {}
    }
    if (recipe.kvCacheScheme() != null) modifier.set("kv_cache_scheme", withoutNulls(RecipeJson.toJson(recipe.kvCacheScheme())));
    ObjectNode root = YAML.createObjectNode();
    root.putObject("default_stage").putObject("default_modifiers").set(MODIFIER, modifier);
    try {
      return YAML.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("YAML of an in-memory tree cannot fail", e);
    }
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  /**
   * Drops null fields: compressed-tensors reads a missing field as its default (null), and CT ≤ 0.12 refuses the
   * {@code scale_dtype}/{@code zp_dtype} keys it does not know even when they are null.
   */
  private static ObjectNode withoutNulls(ObjectNode node) {
    var out = node.objectNode();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      var v = e.getValue();
      if (v.isNull()) continue;
      out.set(e.getKey(), v instanceof ObjectNode o ? withoutNulls(o) : v);
    }
    return out;
  }
}
