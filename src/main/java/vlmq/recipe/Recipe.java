package vlmq.recipe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vlmq.VlmqException;

/**
 * The one stage vlmq runs: llm-compressor's {@code QuantizationModifier} with its fields as LC spells them. The
 * scheme stays in the form it was given ({@code scheme: W4A16}, {@code scheme: {W4A16: [...]}} or
 * {@code config_groups}) so {@link #toYaml()} writes back what the user wrote.
 *
 * @param targets the modifier's {@code targets}, used with a bare preset name ({@code ["Linear"]} by default)
 * @param ignore the rules as given, without vlmq's defaults (see {@link QuantizationPlan#resolvedRecipe()})
 * @param kvCacheScheme null when the KV cache stays unquantized
 */
public record Recipe(List<String> targets, Schemes schemes, List<String> ignore, QuantizationArgs kvCacheScheme) {
  /** The scheme fields of a QuantizationModifier, exactly one of which a recipe uses. */
  public sealed interface Schemes permits PresetScheme, PresetTargets, ConfigGroups {}

  /** {@code scheme: W4A16}: one preset on the modifier's targets. */
  public record PresetScheme(Preset preset) implements Schemes {}

  /** {@code scheme: {W4A16: [targets], FP8_DYNAMIC: [targets]}}: presets on their own targets. */
  public record PresetTargets(Map<Preset, List<String>> targets) implements Schemes {
    public PresetTargets {
      var copy = new LinkedHashMap<Preset, List<String>>();
      targets.forEach((preset, t) -> copy.put(preset, List.copyOf(t)));
      targets = Collections.unmodifiableMap(copy);
    }
  }

  /** {@code config_groups: {name: QuantizationScheme}}. */
  public record ConfigGroups(Map<String, QuantizationScheme> groups) implements Schemes {
    public ConfigGroups {
      groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
    }
  }

  public static final List<String> DEFAULT_TARGETS = List.of("Linear");

  public Recipe {
    targets = List.copyOf(targets);
    ignore = List.copyOf(ignore);
    if (targets.isEmpty()) throw new VlmqException("QuantizationModifier targets is empty: give at least one, e.g. [Linear]");
    if (schemes == null) throw new VlmqException("QuantizationModifier needs scheme or config_groups");
  }

  /** What {@code --scheme PRESET [--ignore RULE...]} means: the preset on every Linear. */
  public static Recipe fromPreset(String preset, List<String> ignore) {
    return new Recipe(DEFAULT_TARGETS, new PresetScheme(Preset.byName(preset)), ignore, null);
  }

  /** Reads an llm-compressor recipe file (see {@link RecipeYaml} for the accepted nesting). */
  public static Recipe read(Path yaml) {
    String text;
    try {
      text = Files.readString(yaml);
    } catch (NoSuchFileException e) {
      throw new VlmqException(yaml + " not found: pass an llm-compressor recipe.yaml", e);
    } catch (IOException e) {
      throw new VlmqException("cannot read " + yaml + ": " + e.getMessage(), e);
    }
    return parse(text, yaml.toString());
  }

  /** Parses recipe text; {@code source} names it in error messages. */
  public static Recipe parse(String yaml, String source) {
    return RecipeYaml.parse(yaml, source);
  }

  /** The recipe as llm-compressor writes {@code recipe.yaml} next to a saved model, and loads it back. */
  public String toYaml() {
    return RecipeYaml.write(this);
  }

  public Recipe withIgnore(List<String> rules) {
    return new Recipe(targets, schemes, rules, kvCacheScheme);
  }

  /**
   * The config groups llm-compressor resolves ({@code resolve_quantization_config}): a preset becomes
   * {@code group_0} on the modifier's targets, a preset mapping {@code group_<i>} per entry, config groups stay as
   * named. Formats are left as given (null for presets).
   */
  public Map<String, QuantizationScheme> configGroups() {
    var out = new LinkedHashMap<String, QuantizationScheme>();
    switch (schemes) {
      case PresetScheme p -> out.put("group_0", p.preset().scheme(targets));
      case PresetTargets p -> {
        int i = 0;
        for (var e : p.targets().entrySet()) out.put("group_" + i++, e.getKey().scheme(e.getValue()));
      }
      case ConfigGroups c -> out.putAll(c.groups());
    }
    return Collections.unmodifiableMap(out);
  }

  /** The preset a config group was made from, or null for a hand-written group. */
  public Preset presetOf(String group) {
    return switch (schemes) {
      case PresetScheme p -> group.equals("group_0") ? p.preset() : null;
      case PresetTargets p -> {
        int i = 0;
        for (var preset : p.targets().keySet()) {
          if (group.equals("group_" + i++)) yield preset;
        }
        yield null;
      }
      case ConfigGroups c -> null;
    };
  }

  /**
   * Refuses schemes whose stored values depend on activation statistics (static input/output scales such as FP8's
   * input_scale or NVFP4's input_global_scale, and KV-cache scales): vlmq quantizes without calibration data.
   */
  public void requireDataFree() {
    configGroups().forEach((name, scheme) -> {
      var preset = presetOf(name);
      var label = preset != null ? "preset " + preset.name() : "config group " + name;
      if (isStatic(scheme.inputActivations()) || isStatic(scheme.outputActivations())) {
        throw new VlmqException(label + " quantizes activations with static scales, which needs calibration data; "
            + "vlmq quantizes without data for now: use a weight-only or dynamic scheme (e.g. "
            + (preset == Preset.NVFP4 ? "NVFP4A16" : "FP8_DYNAMIC") + ")");
      }
    });
    if (kvCacheScheme != null) {
      throw new VlmqException("kv_cache_scheme needs calibration data (k_scale/v_scale come from activations); "
          + "vlmq quantizes without data for now: remove kv_cache_scheme from the recipe");
    }
  }

  private static boolean isStatic(QuantizationArgs args) {
    return args != null && args.dynamic() != DynamicMode.DYNAMIC;
  }
}
