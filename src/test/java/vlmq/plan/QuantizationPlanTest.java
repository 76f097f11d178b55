package vlmq.plan;

import vlmq.recipe.Recipe;
import vlmq.recipe.QuantizationScheme;
import vlmq.recipe.Preset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import vlmq.VlmqException;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.TensorSpec;
import vlmq.model.Component;
import vlmq.model.ModelConfig;
import vlmq.numeric.DType;

/**
 * Plans on the family fixtures (both key layouts), checked against transformers' own view of each fixture
 * (expected.json: every tensor's component, the nn.Linear modules in named_modules order with runtime names).
 */
class QuantizationPlanTest {
  static List<FamilyFixture> fixtures() {
    return FamilyFixture.all();
  }

  private static final Recipe FP8_DYNAMIC = Recipe.fromPreset("FP8_DYNAMIC", List.of());

  @ParameterizedTest
  @MethodSource("fixtures")
  void defaultPlanKeepsVisionProjectorAndLmHeadAndQuantizesTheLanguageModel(FamilyFixture fixture) {
    var plan = fixture.plan(FP8_DYNAMIC, false);
    assertThat(plan.decisions()).extracting(ModuleDecision::module)
        .containsExactlyInAnyOrderElementsOf(fixture.linearModules());
    for (var d : plan.decisions()) {
      var component = fixture.component(d.module() + ".weight");
      boolean deltaNet = fixture.id().equals("qwen3_5") && d.module().contains(".linear_attn.");
      assertThat(d.quantized()).as(d.module()).isEqualTo(component.equals("language") && !deltaNet);
      assertThat(d.component().id()).as(d.module()).isEqualTo(component);
      if (!d.quantized()) assertThat(d.keptBy()).as(d.module()).isNotEqualTo(ModuleDecision.NOT_TARGETED);
    }
    assertThat(plan.warnings()).isEmpty();
    assertThat(plan.configGroups())
        .containsExactly(Map.entry("group_0", Preset.FP8_DYNAMIC.scheme(List.of("Linear")).withInferredFormat()));
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void decisionsFollowTheComponentOrderOfNamedModules(FamilyFixture fixture) {
    var plan = fixture.plan(FP8_DYNAMIC, false);
    assertThat(runs(plan.decisions().stream().map(d -> d.component().id()).toList()))
        .isEqualTo(runs(fixture.linearModules().stream().map(m -> fixture.component(m + ".weight")).toList()));
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void ignoreListNamesEveryKeptModuleAsTheCheckpointAndTransformersSpellIt(FamilyFixture fixture) {
    var plan = fixture.plan(FP8_DYNAMIC, false);
    var ignore = plan.ignoreList();
    var runtime = fixture.runtimeNames();
    for (var d : plan.decisions()) {
      var spellings = List.of(d.module(), runtime.get(d.module()));
      if (d.quantized()) assertThat(ignore).as(d.module()).doesNotContainAnyElementsOf(spellings);
      else assertThat(ignore).as(d.module()).containsAll(spellings);
    }
    assertThat(ignore).doesNotHaveDuplicates();
    if (!fixture.expected().get("tied_lm_head").asBoolean()) assertThat(ignore.getLast()).isEqualTo("lm_head");
  }

  @Test
  void qwen25VlHubIgnoreListHasBothSpellingsVisionFirst() {
    var ignore = FamilyFixture.named("qwen2_5_vl").plan(FP8_DYNAMIC, false).ignoreList();
    assertThat(ignore.subList(0, 4)).containsExactly("visual.blocks.0.attn.proj", "model.visual.blocks.0.attn.proj",
        "visual.blocks.0.attn.qkv", "model.visual.blocks.0.attn.qkv");
    // 12 kept Linears in two spellings, lm_head, and each vision block's gate/up kept whole under its fused name
    assertThat(ignore).contains("visual.merger.mlp.2", "model.visual.merger.mlp.2", "visual.blocks.1.mlp.gate_up_proj")
        .hasSize(2 * 12 + 1 + 2);
    var nativeIgnore = FamilyFixture.named("qwen2_5_vl_native").plan(FP8_DYNAMIC, false).ignoreList();
    assertThat(nativeIgnore).hasSize(13 + 2).startsWith("model.visual.blocks.0.attn.proj").endsWith("lm_head");
  }

  @ParameterizedTest
  @ValueSource(strings = {"qwen2_5_vl", "qwen2_5_vl_native"})
  void userRegexWrittenForEitherLayoutKeepsTheQwenTower(String id) {
    for (var rule : List.of("re:visual.*", "re:model.visual.*")) {
      var plan = FamilyFixture.named(id).plan(Recipe.fromPreset("W4A16", List.of(rule, "lm_head")), false);
      for (var d : plan.decisions()) {
        boolean vision = d.component() == Component.VISION || d.component() == Component.PROJECTOR;
        if (vision) assertThat(d.keptBy()).as(rule + " " + d.module()).isEqualTo(rule);
        assertThat(d.quantized()).as(d.module()).isEqualTo(d.component() == Component.LANGUAGE);
      }
      assertThat(plan.warnings()).as(rule).isEmpty();
      assertThat(plan.rules()).extracting(r -> r.rule().text()).startsWith(rule, "lm_head");
    }
  }

  @Test
  void ruleMatchingNothingWarnsAndAQuantizedTowerWarns() {
    var plan = FamilyFixture.named("qwen2_5_vl").plan(Recipe.fromPreset("FP8_DYNAMIC",
        List.of("re:vision_tower.*", "visual", "Conv3d", "lm_head")), false);
    assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).contains("'re:vision_tower.*' matches no Linear module"))
        .anySatisfy(w -> assertThat(w).contains("'visual' matches no Linear module").contains("re:visual\\..*"))
        .anySatisfy(w -> assertThat(w).contains("'Conv3d'").contains("class name"))
        .anySatisfy(w -> assertThat(w).contains("12 vision/projector Linear module(s) will be quantized"));
    assertThat(FamilyFixture.named("qwen2_5_vl").plan(Recipe.fromPreset("FP8_DYNAMIC", List.of("lm_head")), true)
        .warnings()).isEmpty();
  }

  @Test
  void splitFusedGroupIsRefusedNamingTheGroupAndTheRule() {
    var recipe = Recipe.fromPreset("FP8_DYNAMIC", List.of("re:(model\\.)?visual\\..*", "lm_head", "re:.*k_proj$"));
    assertThatThrownBy(() -> FamilyFixture.named("qwen2_5_vl").plan(recipe, false)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("fused group model.layers.0.self_attn.qkv_proj would be split")
        .hasMessageContaining("k_proj kept by 're:.*k_proj$'")
        .hasMessageContaining("q_proj/v_proj quantized by group_0");
    var vision = Recipe.fromPreset("FP8_DYNAMIC", List.of("lm_head", "re:.*visual.*gate_proj"));
    assertThatThrownBy(() -> FamilyFixture.named("qwen2_5_vl_native").plan(vision, true))
        .hasMessageContaining("fused group model.visual.blocks.0.mlp.gate_up_proj would be split");
  }

  @Test
  void fusedGroupWithTwoSchemesIsRefused() {
    var presets = new LinkedHashMap<Preset, List<String>>();
    presets.put(Preset.W8A8, List.of("re:.*self_attn\\.q_proj$"));
    presets.put(Preset.FP8_DYNAMIC, List.of("Linear"));
    var recipe = new Recipe(List.of("Linear"), new Recipe.PresetTargets(presets), List.of(), null);
    assertThatThrownBy(() -> FamilyFixture.named("llava").plan(recipe, false))
        .hasMessageContaining("fused group language_model.model.layers.0.self_attn.qkv_proj would mix schemes")
        .hasMessageContaining("q_proj → group_0").hasMessageContaining("k_proj → group_1");
  }

  @Test
  void fusedGroupAcrossTwoGroupsWithTheSameArgumentsIsFine() {
    var fp8 = Preset.FP8_DYNAMIC.scheme(List.of("re:.*self_attn\\.q_proj$"));
    var groups = new LinkedHashMap<String, QuantizationScheme>();
    groups.put("queries", fp8);
    groups.put("rest", fp8.withTargets(List.of("Linear")));
    var plan = FamilyFixture.named("llava").plan(
        new Recipe(List.of("Linear"), new Recipe.ConfigGroups(groups), List.of(), null), false);
    assertThat(plan.configGroups()).hasSize(2);
    assertThat(plan.groupLabel("group_0")).isEqualTo("rest");
  }

  @Test
  void exactNameTargetBeatsRegexAndClassSoSeveralSchemesCanCoexist() {
    var presets = new LinkedHashMap<Preset, List<String>>();
    presets.put(Preset.W4A16, List.of("re:.*mlp\\.(gate|up|down)_proj$"));
    presets.put(Preset.W8A16, List.of("Linear", "model.layers.1.mlp.down_proj"));
    var plan = FamilyFixture.named("qwen2_vl").plan(
        new Recipe(List.of("Linear"), new Recipe.PresetTargets(presets), List.of(), null), false);
    var groups = new LinkedHashMap<String, String>();
    plan.decisions().stream().filter(ModuleDecision::quantized)
        .forEach(d -> groups.put(d.module(), plan.groupLabel(d.group())));
    assertThat(groups).containsEntry("model.layers.0.mlp.down_proj", "W4A16")
        .containsEntry("model.layers.1.mlp.down_proj", "W8A16")
        .containsEntry("model.layers.0.self_attn.q_proj", "W8A16");
    assertThat(plan.configGroups().values()).extracting(QuantizationScheme::targets).containsExactlyInAnyOrder(
        List.of("re:.*mlp\\.(gate|up|down)_proj$"), List.of("Linear", "model.layers.1.mlp.down_proj"));
  }

  @Test
  void partialQuantizationGroupIsRefusedNamingTheTensor() throws Exception {
    var fixture = FamilyFixture.named("qwen2_5_vl");
    var specs = new ArrayList<TensorSpec>();
    try (var checkpoint = Checkpoint.open(fixture.dir())) {
      for (var t : checkpoint.tensors()) {
        var shape = t.name().equals("model.layers.1.mlp.down_proj.weight") ? new long[] {128, 192} : t.shape();
        specs.add(new TensorSpec(t.name(), t.dtype(), shape));
      }
    }
    assertThatThrownBy(() -> QuantizationPlan.resolve(Recipe.fromPreset("W4A16", List.of()), fixture.config(), specs,
        false)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("model.layers.1.mlp.down_proj.weight is [128, 192]")
        .hasMessageContaining("W4A16 quantizes in groups of 128")
        .hasMessageContaining("--ignore model.layers.1.mlp.down_proj --ignore 're:(model\\.)?visual");
    var keep = Recipe.fromPreset("W4A16", List.of("re:visual.*", "lm_head", "model.layers.1.mlp.down_proj"));
    assertThat(QuantizationPlan.resolve(keep, fixture.config(), specs, false).decisions()).hasSize(27);
  }

  @Test
  void partialGroupsAcrossLayersSuggestRulesThatResolveThePlan() {
    var fixture = FamilyFixture.named("qwen2_vl_native");
    var error = catchThrowableOfType(VlmqException.class,
        () -> fixture.plan(Recipe.fromPreset("W4A16", List.of()), true));
    assertThat(error.getMessage()).contains("6 Linear weights are not: model.visual.blocks.{0,1}.attn.proj [64, 64], "
        + "model.visual.blocks.{0,1}.attn.qkv [192, 64], model.visual.blocks.{0,1}.mlp.fc1 [128, 64]");
    var suggested = new ArrayList<String>();
    var ignore = Pattern.compile("--ignore '?([^' ]+)'?").matcher(error.getMessage());
    while (ignore.find()) suggested.add(ignore.group(1));
    assertThat(suggested).contains("lm_head");
    var plan = fixture.plan(Recipe.fromPreset("W4A16", suggested), true);
    assertThat(plan.decisions().stream().filter(d -> d.component() == Component.VISION && d.quantized()))
        .extracting(ModuleDecision::module)
        .containsExactly("model.visual.blocks.0.mlp.fc2", "model.visual.blocks.1.mlp.fc2");
  }

  @Test
  void quantizeVisionDropsTheVisionDefaultsButNotTheEngineRequirements() {
    var plan = FamilyFixture.named("internvl").plan(FP8_DYNAMIC, true);
    var byModule = new LinkedHashMap<String, ModuleDecision>();
    plan.decisions().forEach(d -> byModule.put(d.module(), d));
    assertThat(byModule.get("vision_tower.encoder.layer.0.mlp.fc1").quantized()).isTrue();
    assertThat(byModule.get("vision_tower.encoder.layer.0.attention.q_proj").keptBy())
        .isEqualTo("re:(model\\.)?vision_tower\\.encoder\\.layer\\.\\d+\\.attention\\."
            + "(q_proj|k_proj|v_proj|projection_layer)$");
    assertThat(byModule.get("multi_modal_projector.linear_1").quantized()).isFalse();
    assertThat(byModule.get("language_model.lm_head").keptBy()).isEqualTo("lm_head");
    assertThat(plan.warnings()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"FP8_DYNAMIC", "W4A16", "W8A8", "NVFP4A16", "MXFP4A16", "FP8_BLOCK"})
  void sizesAfterAreTheCompressedTensorsLayoutOfEachQuantizedWeight(String preset) {
    var fixture = FamilyFixture.named("qwen3_vl");
    var plan = fixture.plan(Recipe.fromPreset(preset, List.of()), false);
    long before;
    try (var checkpoint = Checkpoint.open(fixture.dir())) {
      before = checkpoint.totalBytes();
    }
    assertThat(plan.total().bytesBefore()).isEqualTo(before);
    long saved = 0;
    for (var d : plan.decisions()) {
      if (!d.quantized()) continue;
      long o = d.weightShape()[0], i = d.weightShape()[1];
      saved += 2 * o * i - switch (preset) {
        case "FP8_DYNAMIC", "W8A8" -> o * i + 2 * o; // 8-bit codes, bf16 scale [O, 1]
        case "W4A16" -> o * i / 2 + 2 * o * (i / 128) + 16; // int32 words, bf16 scale [O, I/128], weight_shape
        case "NVFP4A16" -> o * i / 2 + o * (i / 16) + 4; // fp4 pairs, fp8 scale [O, I/16], fp32 global scale
        case "MXFP4A16" -> o * i / 2 + o * (i / 32); // fp4 pairs, e8m0 scale [O, I/32]
        case "FP8_BLOCK" -> o * i + 2 * ((o + 127) / 128) * ((i + 127) / 128); // bf16 scale per 128x128 block
        default -> throw new AssertionError(preset);
      };
    }
    assertThat(plan.total().bytesBefore() - plan.total().bytesAfter()).isEqualTo(saved);
    var language = plan.totals(Component.LANGUAGE);
    assertThat(language.quantizedModules()).isEqualTo(language.linearModules()).isEqualTo(14);
    assertThat(plan.totals(Component.VISION).bytesAfter()).isEqualTo(plan.totals(Component.VISION).bytesBefore());
    assertThat(plan.total().parameters()).isEqualTo(fixture.expected().get("total_parameters").asLong());
  }

  @Test
  void schemesThatNeedCalibrationAreRefusedBeforeAnyPlanning() {
    assertThatThrownBy(() -> FamilyFixture.named("gemma3").plan(Recipe.fromPreset("NVFP4", List.of()), false))
        .isInstanceOf(VlmqException.class).hasMessageContaining("needs calibration data");
  }

  @Test
  void targetingEmbeddingsIsRefused() {
    var presets = new LinkedHashMap<Preset, List<String>>();
    presets.put(Preset.W8A16, List.of("Linear", "Embedding"));
    var recipe = new Recipe(List.of("Linear"), new Recipe.PresetTargets(presets), List.of(), null);
    assertThatThrownBy(() -> FamilyFixture.named("qwen2_5_vl").plan(recipe, false))
        .hasMessageContaining("target 'Embedding'").hasMessageContaining("model.embed_tokens");
  }

  @Test
  void recipeThatQuantizesNothingAndAlreadyQuantizedCheckpointsAreRefused() throws Exception {
    var fixture = FamilyFixture.named("llava");
    assertThatThrownBy(() -> fixture.plan(Recipe.fromPreset("W8A16", List.of("Linear")), false))
        .hasMessageContaining("quantizes no Linear module");
    var specs = new ArrayList<TensorSpec>();
    try (var checkpoint = Checkpoint.open(fixture.dir())) {
      for (var t : checkpoint.tensors()) {
        var name = t.name().replace("layers.0.mlp.up_proj.weight", "layers.0.mlp.up_proj.weight_packed");
        specs.add(new TensorSpec(name, t.dtype(), t.shape()));
      }
    }
    assertThatThrownBy(() -> QuantizationPlan.resolve(FP8_DYNAMIC, fixture.config(), specs, false))
        .hasMessageContaining("language_model.model.layers.0.mlp.up_proj has no plain weight")
        .hasMessageContaining("already quantized");
  }

  @Test
  void unknownArchitectureKeepsWhatNamePatternsCallVision() {
    var fixture = FamilyFixture.named("qwen2_5_vl_native");
    var root = (ObjectNode) fixture.config().root().deepCopy();
    root.putArray("architectures").add("NovelVLForConditionalGeneration");
    root.put("model_type", "novel_vl");
    List<TensorSpec> specs;
    try (var checkpoint = Checkpoint.open(fixture.dir())) {
      specs = checkpoint.tensors().stream().map(t -> new TensorSpec(t.name(), t.dtype(), t.shape())).toList();
    }
    var plan = QuantizationPlan.resolve(FP8_DYNAMIC, new ModelConfig(root), specs, false);
    assertThat(plan.rules()).extracting(r -> r.rule().text())
        .containsExactly("re:model\\.visual\\.merger(\\.|$)", "re:model\\.visual\\.blocks(\\.|$)", "re:lm_head(\\.|$)");
    for (var d : plan.decisions()) {
      assertThat(d.quantized()).as(d.module()).isEqualTo(d.module().startsWith("model.language_model."));
    }
    assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).contains("unknown architecture"));
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void resolvedRecipeReadBackGivesTheSamePlan(FamilyFixture fixture) {
    var plan = fixture.plan(Recipe.fromPreset("W8A8", List.of()), false);
    var again = fixture.plan(Recipe.parse(plan.resolvedRecipe().toYaml(), "recipe.yaml"), false);
    assertThat(again.ignoreList()).isEqualTo(plan.ignoreList());
    assertThat(again.configGroups()).isEqualTo(plan.configGroups());
    assertThat(again.rules()).extracting(r -> r.rule().text())
        .isEqualTo(plan.rules().stream().map(r -> r.rule().text()).toList());
  }

  @Test
  void renderFoldsLayersAndGroupsKeptModulesByRule() {
    var text = FamilyFixture.named("mllama").plan(FP8_DYNAMIC, false).render();
    assertThat(text).contains("Llama 3.2 Vision (Mllama)")
        .containsPattern("language_model\\.model\\.layers\\.\\{0,2\\}\\.self_attn\\.q_proj +FP8_DYNAMIC \\(group_0\\)")
        .contains("language_model.model.layers.{0..2}.mlp.down_proj")
        .contains("  default: vision tower (re:(model\\.)?vision_model\\..*)\n    vision_model.global_transformer")
        .contains("Quantized: 21 of 41 Linear modules").contains("Kept in BF16: 20 Linear modules")
        .containsPattern("total +739K +21 of 41 +1\\.48 MB +1\\.04 MB")
        .doesNotContain("Warnings");
  }

  /** Consecutive duplicates removed: the order in which components appear. */
  private static List<String> runs(List<String> values) {
    var out = new ArrayList<String>();
    for (var v : values) if (out.isEmpty() || !out.getLast().equals(v)) out.add(v);
    return out;
  }

  @Test
  void weightDtypeAndShapeComeFromTheCheckpoint() {
    var d = FamilyFixture.named("idefics3").plan(FP8_DYNAMIC, false).decisions().stream()
        .filter(x -> x.module().equals("model.connector.modality_projection.proj")).findFirst().orElseThrow();
    assertThat(d.weightDtype()).isEqualTo(DType.BF16);
    assertThat(d.weightShape()).containsExactly(128, 256);
    assertThat(d.keptBy()).isEqualTo("re:(model\\.)?connector\\..*");
  }
}
