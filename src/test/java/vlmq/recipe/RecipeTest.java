package vlmq.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vlmq.VlmqException;

/** llm-compressor recipe files: the nesting LC reads and writes, its QuantizationModifier fields, and errors. */
class RecipeTest {
  /** A recipe.yaml as LC (0.12+) writes it next to a saved model (yaml.dump, default_flow_style=None). */
  private static final String LC_WRITTEN = """
      default_stage:
        default_modifiers:
          QuantizationModifier:
            targets: [Linear]
            ignore: [lm_head, 're:.*embed.*', 're:.*router', 're:.*vision_tower.*']
            scheme: NVFP4A16
            bypass_divisibility_checks: false
      """;

  @Test
  void readsTheRecipeLlmCompressorWritesNextToASavedModel() {
    var recipe = Recipe.parse(LC_WRITTEN, "recipe.yaml");
    assertThat(recipe.targets()).containsExactly("Linear");
    assertThat(recipe.ignore()).containsExactly("lm_head", "re:.*embed.*", "re:.*router", "re:.*vision_tower.*");
    assertThat(recipe.schemes()).isEqualTo(new Recipe.PresetScheme(Preset.NVFP4A16));
    assertThat(recipe.kvCacheScheme()).isNull();
    assertThat(recipe.configGroups()).containsExactly(Map.entry("group_0", Preset.NVFP4A16.scheme(List.of("Linear"))));
  }

  @Test
  void anyStageAndModifierGroupNamesAndTargetsAsOneString() {
    var recipe = Recipe.parse("""
        quant_stage:
          quant_modifiers:
            QuantizationModifier:
              ignore: ["lm_head"]
              scheme: "w8a16"
              targets: "Linear"
        """, "r.yaml");
    assertThat(recipe.schemes()).isEqualTo(new Recipe.PresetScheme(Preset.W8A16));
    assertThat(recipe.targets()).containsExactly("Linear");
  }

  @Test
  void numberedStagesAndOldRunTypeAreLlmCompressorsOwnLayout() {
    var recipe = Recipe.parse("""
        default_stage_1:
          run_type: oneshot
          default_modifiers:
            QuantizationModifier: {scheme: W4A16}
        """, "r.yaml");
    assertThat(recipe.schemes()).isEqualTo(new Recipe.PresetScheme(Preset.W4A16));
  }

  @Test
  void acceptsABareModifierMappingAndTopLevelModifierGroups() {
    var bare = Recipe.parse("QuantizationModifier: {scheme: FP8_DYNAMIC, ignore: [lm_head]}", "r.yaml");
    var grouped = Recipe.parse("default_modifiers:\n  QuantizationModifier: {scheme: FP8_DYNAMIC, ignore: [lm_head]}",
        "r.yaml");
    var expected = new Recipe(List.of("Linear"), new Recipe.PresetScheme(Preset.FP8_DYNAMIC), List.of("lm_head"), null);
    assertThat(bare).isEqualTo(expected);
    assertThat(grouped).isEqualTo(expected);
  }

  @Test
  void presetToTargetsMappingBecomesOneGroupPerPreset() {
    var recipe = Recipe.parse("""
        default_stage:
          default_modifiers:
            QuantizationModifier:
              scheme:
                W4A16: ["re:.*mlp.*"]
                FP8_DYNAMIC: 're:.*self_attn.*'
        """, "r.yaml");
    var presets = new LinkedHashMap<Preset, List<String>>();
    presets.put(Preset.W4A16, List.of("re:.*mlp.*"));
    presets.put(Preset.FP8_DYNAMIC, List.of("re:.*self_attn.*"));
    assertThat(recipe.schemes()).isEqualTo(new Recipe.PresetTargets(presets));
    assertThat(recipe.configGroups()).containsExactly(
        Map.entry("group_0", Preset.W4A16.scheme(List.of("re:.*mlp.*"))),
        Map.entry("group_1", Preset.FP8_DYNAMIC.scheme(List.of("re:.*self_attn.*"))));
    assertThat(recipe.presetOf("group_1")).isEqualTo(Preset.FP8_DYNAMIC);
    assertThat(recipe.presetOf("group_2")).isNull();
  }

  @Test
  void configGroupsAreCompressedTensorsSchemes() {
    var recipe = Recipe.parse("""
        quant_stage:
          quant_modifiers:
            QuantizationModifier:
              ignore: [lm_head]
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 4, type: int, symmetric: false, strategy: group, group_size: 64}
        """, "r.yaml");
    var weights = QuantizationArgs.builder(4, QuantType.INT).symmetric(false).strategy(Strategy.GROUP).groupSize(64)
        .build();
    assertThat(recipe.configGroups()).containsExactly(
        Map.entry("group_0", new QuantizationScheme(List.of("Linear"), weights, null, null, null)));
    assertThat(recipe.presetOf("group_0")).isNull();
  }

  @Test
  void readsKvCacheScheme() {
    var recipe = Recipe.parse("""
        QuantizationModifier:
          scheme: FP8_DYNAMIC
          kv_cache_scheme: {num_bits: 8, type: float, strategy: tensor, dynamic: false, symmetric: true}
        """, "r.yaml");
    assertThat(recipe.kvCacheScheme()).isEqualTo(QuantizationArgs.builder(8, QuantType.FLOAT).strategy(Strategy.TENSOR).build());
  }

  @Test
  void toYamlIsWhatLlmCompressorReadsAndReadsBackEqual() {
    var presets = new LinkedHashMap<Preset, List<String>>();
    presets.put(Preset.W4A16_ASYM, List.of("re:.*mlp\\.down_proj$"));
    presets.put(Preset.W8A8, List.of("Linear"));
    var weights = QuantizationArgs.builder(8, QuantType.FLOAT).strategy(Strategy.BLOCK).blockStructure(128, 128).build();
    var kv = QuantizationArgs.builder(8, QuantType.FLOAT).strategy(Strategy.TENSOR).observer("static_minmax").build();
    var recipes = List.of(
        Recipe.fromPreset("fp8_dynamic", List.of("lm_head", "re:(model\\.)?visual\\..*", "re:.*\\.mlp\\.gate$")),
        new Recipe(List.of("Linear"), new Recipe.PresetTargets(presets), List.of(), null),
        new Recipe(List.of("Linear"), new Recipe.ConfigGroups(Map.of("custom",
            new QuantizationScheme(List.of("re:.*self_attn.*"), weights, null, null, null))), List.of("lm_head"), kv),
        new Recipe(List.of("Linear"), new Recipe.PresetScheme(Preset.NVFP4), List.of("on", "null", "'quoted'"), null));
    for (var recipe : recipes) {
      var yaml = recipe.toYaml();
      assertThat(yaml).startsWith("default_stage:\n  default_modifiers:\n    QuantizationModifier:\n");
      assertThat(Recipe.parse(yaml, "written")).as(yaml).isEqualTo(recipe);
    }
  }

  @Test
  void readsFromAFile(@TempDir Path dir) throws Exception {
    var file = dir.resolve("recipe.yaml");
    Files.writeString(file, LC_WRITTEN);
    assertThat(Recipe.read(file)).isEqualTo(Recipe.parse(LC_WRITTEN, "x"));
    assertThatThrownBy(() -> Recipe.read(dir.resolve("missing.yaml")))
        .isInstanceOf(VlmqException.class).hasMessageContaining("missing.yaml not found");
  }

  @ParameterizedTest
  @ValueSource(strings = {"GPTQModifier", "SmoothQuantModifier", "AWQModifier"})
  void calibrationModifiersAreRefusedByName(String modifier) {
    var yaml = """
        default_stage:
          default_modifiers:
            %s: {targets: Linear, scheme: W4A16, ignore: [lm_head]}
        """.formatted(modifier);
    assertThatThrownBy(() -> Recipe.parse(yaml, "r.yaml")).isInstanceOf(VlmqException.class)
        .hasMessageContaining("r.yaml: default_stage.default_modifiers." + modifier)
        .hasMessageContaining("not supported yet");
  }

  @Test
  void unknownModifiersKeysAndLayoutsAreNamed() {
    assertError("default_stage:\n  default_modifiers:\n    FancyModifier: {}\n", "unknown modifier 'FancyModifier'");
    assertError("QuantizationModifier: {scheme: W4A16, sequential_targets: [x]}", "unknown key 'sequential_targets'");
    assertError("QuantizationModifier: {scheme: W4A16, weight_observer: mse}", "weight_observer");
    assertError("recipe:\n  QuantizationModifier: {scheme: W4A16}\n", "unknown top-level key 'recipe'");
    assertError("default_stage:\n  oneshot: true\n", "default_stage: unknown key 'oneshot'");
    assertError("QuantizationModifier: {scheme: W4A17}", "Unknown quantization preset 'W4A17'");
    assertError("QuantizationModifier: {scheme: {W4A16: [Linear], BOGUS: [Linear]}}", "'BOGUS'");
    assertError("QuantizationModifier: {ignore: [lm_head]}", "no scheme or config_groups");
    assertError("QuantizationModifier: {scheme: W4A16, config_groups: {g: {targets: [Linear]}}}", "not both");
    assertError("QuantizationModifier: {scheme: W4A16, ignore: lm_head}", "ignore must be a list");
    assertError("QuantizationModifier: {scheme: W4A16, bypass_divisibility_checks: true}", "whole groups");
    assertError("QuantizationModifier: {config_groups: {g: {targets: [Linear], weights: {num_bits: 4, bogus: 1}}}}",
        "config_groups.g.weights has unknown key 'bogus'");
    assertError("a_stage:\n  m_modifiers:\n    QuantizationModifier: {scheme: W4A16}\n"
        + "b_stage:\n  m_modifiers:\n    QuantizationModifier: {scheme: W8A8}\n", "2 QuantizationModifiers");
    assertError("scheme: [", "not valid YAML");
    assertError("- QuantizationModifier", "must hold a recipe mapping");
    assertError("QuantizationModifier: {scheme: W4A16}\nQuantizationModifier: {scheme: W8A8}\n", "not valid YAML");
  }

  @Test
  void schemesThatNeedCalibrationDataAreRefused() {
    for (var preset : List.of("FP8", "NVFP4")) {
      assertThatThrownBy(() -> Recipe.fromPreset(preset, List.of()).requireDataFree())
          .isInstanceOf(VlmqException.class).hasMessageContaining("preset " + preset)
          .hasMessageContaining("needs calibration data");
    }
    var kv = QuantizationArgs.builder(8, QuantType.FLOAT).strategy(Strategy.TENSOR).build();
    assertThatThrownBy(() -> new Recipe(List.of("Linear"), new Recipe.PresetScheme(Preset.FP8_DYNAMIC), List.of(), kv)
        .requireDataFree()).hasMessageContaining("kv_cache_scheme needs calibration data");
    for (var preset : Preset.values()) {
      if (!preset.needsCalibration()) Recipe.fromPreset(preset.name(), List.of()).requireDataFree();
    }
  }

  private static void assertError(String yaml, String message) {
    assertThatThrownBy(() -> Recipe.parse(yaml, "r.yaml")).as(yaml).isInstanceOf(VlmqException.class)
        .hasMessageContaining(message);
  }
}
