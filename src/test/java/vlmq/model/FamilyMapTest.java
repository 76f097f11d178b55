package vlmq.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import vlmq.VlmqException;

class FamilyMapTest {
  private static final String DOWN = "model.layers.0.mlp.down_proj";

  @Test
  void packedQuantizedLinearKeepsItsModuleComponentAndLinearness() {
    var fixture = Fixture.named("qwen2_5_vl");
    var shapes = fixture.shapes();
    shapes.remove(DOWN + ".weight"); // compressed-tensors pack-quantized W4A16: int32 [out, in/8]
    shapes.put(DOWN + ".weight_packed", new long[] {128, 32});
    shapes.put(DOWN + ".weight_scale", new long[] {128, 2});
    shapes.put(DOWN + ".weight_shape", new long[] {2});
    shapes.put("model.layers.0.self_attn.k_scale", new long[] {});

    var map = FamilyMap.of(fixture.config(), shapes);

    assertThat(map.role(DOWN + ".weight_packed"))
        .isEqualTo(new TensorRole(DOWN + ".weight_packed", Component.LANGUAGE, TensorKind.QUANT_PARAM, DOWN, 4096));
    assertThat(map.role(DOWN + ".weight_scale").kind()).isEqualTo(TensorKind.QUANT_PARAM);
    assertThat(map.role("model.layers.0.self_attn.k_scale").module()).isEqualTo("model.layers.0.self_attn");
    assertThat(map.linearModules()).contains(DOWN);
    assertThat(map.warnings()).isEmpty();
  }

  @Test
  void fp8WeightWithScalesStaysALinearWeight() {
    var fixture = Fixture.named("gemma3_native");
    var shapes = fixture.shapes();
    var q = "model.language_model.layers.1.self_attn.q_proj";
    shapes.put(q + ".weight_scale", new long[] {});
    shapes.put(q + ".input_scale", new long[] {});

    var map = FamilyMap.of(fixture.config(), shapes);

    assertThat(map.role(q + ".weight").kind()).isEqualTo(TensorKind.LINEAR_WEIGHT);
    assertThat(map.role(q + ".input_scale").component()).isEqualTo(Component.LANGUAGE);
    assertThat(map.role(q + ".input_scale").kind()).isEqualTo(TensorKind.QUANT_PARAM);
  }

  @Test
  void tensorsOutsideTheFamilyPrefixesCountAsOtherWithAWarning() {
    var fixture = Fixture.named("qwen2_5_vl");
    var shapes = fixture.shapes();
    shapes.put("extra_head.proj.weight", new long[] {4, 128});

    var map = FamilyMap.of(fixture.config(), shapes);

    assertThat(map.role("extra_head.proj.weight").component()).isEqualTo(Component.OTHER);
    assertThat(map.parameters(Component.OTHER)).isEqualTo(512);
    assertThat(map.warnings()).containsExactly(
        "1 tensor(s) match no known Qwen2.5-VL prefix and count as other: extra_head.proj.weight");
  }

  @Test
  void qwen35MultiTokenPredictionHeadIsOtherWithoutWarning() {
    var fixture = Fixture.named("qwen3_5");
    var shapes = fixture.shapes();
    shapes.put("mtp.fc.weight", new long[] {128, 256});

    var map = FamilyMap.of(fixture.config(), shapes);

    assertThat(map.role("mtp.fc.weight").component()).isEqualTo(Component.OTHER);
    assertThat(map.warnings()).isEmpty();
  }

  @Test
  void layoutsAreDescribedByTheirTopLevelPrefixes() {
    assertThat(Fixture.named("qwen2_5_vl").map().layout().describe())
        .isEqualTo("legacy hub (visual.*, model.*, lm_head.*)");
    assertThat(Fixture.named("qwen2_5_vl_native").map().layout().describe())
        .isEqualTo("transformers-5 native (model.visual.*, model.language_model.*, lm_head.*)");
    assertThat(Fixture.named("llava_legacy").map().layout().describe()).isEqualTo("legacy hub "
        + "(vision_tower.vision_model.*, multi_modal_projector.*, language_model.model.*, language_model.lm_head.*)");
  }

  @Test
  void mixedLayoutsAreReportedAndWarned() {
    var shapes = new LinkedHashMap<String, long[]>(Fixture.named("qwen2_5_vl").shapes());
    shapes.putAll(Fixture.named("qwen2_5_vl_native").shapes());

    var map = FamilyMap.of(Fixture.named("qwen2_5_vl").config(), shapes);

    assertThat(map.layout().kind()).isEqualTo(KeyLayout.Kind.MIXED);
    assertThat(map.warnings()).singleElement().asString().contains("mix the transformers-5 and the legacy hub");
  }

  @Test
  void aKnownFamilyWithoutVisionTensorsIsFlagged() {
    var fixture = Fixture.named("qwen2_5_vl");
    var shapes = new LinkedHashMap<String, long[]>();
    fixture.shapes().forEach((name, shape) -> {
      if (!name.startsWith("visual.")) shapes.put(name, shape);
    });

    assertThat(FamilyMap.of(fixture.config(), shapes).warnings())
        .containsExactly("no vision tower tensors found for Qwen2.5-VL: is this a text-only checkpoint?");
  }

  @Test
  void vllmNamesFollowEachFamilysWeightsMapper() {
    var qwen = Fixture.named("qwen2_5_vl").map();
    assertThat(qwen.names("visual.blocks.0.attn.qkv"))
        .isEqualTo(new ModuleNames("model.visual.blocks.0.attn.qkv", List.of("visual.blocks.0.attn.qkv"),
            "visual.blocks.0.attn.qkv"));
    assertThat(qwen.names("model.language_model.layers.1.mlp.up_proj").vllm())
        .isEqualTo("language_model.model.layers.1.mlp.up_proj");
    assertThat(qwen.names("lm_head"))
        .isEqualTo(new ModuleNames("lm_head", List.of("lm_head"), "language_model.lm_head"));

    var llava = Fixture.named("llava").map();
    assertThat(llava.names("vision_tower.encoder.layers.0.self_attn.q_proj").all()).containsExactly(
        "model.vision_tower.encoder.layers.0.self_attn.q_proj",
        "vision_tower.vision_model.encoder.layers.0.self_attn.q_proj",
        "vision_tower.encoder.layers.0.self_attn.q_proj");

    var mistral = Fixture.named("mistral3").map();
    assertThat(mistral.names("model.vision_tower.transformer.layers.0.attention.q_proj").vllm())
        .isEqualTo("vision_tower.transformer.layers.0.attention.q_proj");

    var idefics = Fixture.named("idefics3").map();
    assertThat(idefics.names("model.connector.modality_projection.proj").all())
        .containsExactly("model.connector.modality_projection.proj");

    var mllama = Fixture.named("mllama").map();
    assertThat(mllama.names("multi_modal_projector")).isEqualTo(
        new ModuleNames("model.multi_modal_projector", List.of("multi_modal_projector"), "multi_modal_projector"));
  }

  @Test
  void unknownFamilyNamesAreThemselves() {
    var map = FamilyMap.of(ModelConfig.parse("{\"model_type\":\"foo\"}", "c"), Map.of("a.b.weight", new long[] {2, 2}));

    assertThat(map.names("a.b").all()).containsExactly("a.b");
  }

  @Test
  void malformedShapesAreUserErrorsNamingTheTensor() {
    var config = Fixture.named("qwen2_5_vl").config();
    var negative = new LinkedHashMap<String, long[]>();
    negative.put("lm_head.weight", new long[] {-1, 128});
    var huge = Map.of("lm_head.weight", new long[] {Long.MAX_VALUE, 2});

    assertThatThrownBy(() -> FamilyMap.of(config, negative)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("'lm_head.weight'").hasMessageContaining("negative");
    assertThatThrownBy(() -> FamilyMap.of(config, huge)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("'lm_head.weight'");
  }
}
