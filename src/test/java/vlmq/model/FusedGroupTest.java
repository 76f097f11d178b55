package vlmq.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Fused groups as vLLM's packed_modules_mapping builds them: Qwen2.5-VL (qwen2_5_vl.py: qkv_proj, gate_up_proj;
 * its vision attn.qkv is stored fused already) and Qwen3.5 (qwen3_5.py: in_proj_qkvz, in_proj_ba).
 */
class FusedGroupTest {
  @Test
  void qwen25VlFusesTextQkvAndGateUpAndVisionGateUp() {
    var groups = Fixture.named("qwen2_5_vl").map().fusedGroups();

    assertThat(groups).containsExactly(
        new FusedGroup("model.layers.0.mlp.gate_up_proj",
            List.of("model.layers.0.mlp.gate_proj", "model.layers.0.mlp.up_proj")),
        new FusedGroup("model.layers.0.self_attn.qkv_proj", List.of("model.layers.0.self_attn.q_proj",
            "model.layers.0.self_attn.k_proj", "model.layers.0.self_attn.v_proj")),
        new FusedGroup("model.layers.1.mlp.gate_up_proj",
            List.of("model.layers.1.mlp.gate_proj", "model.layers.1.mlp.up_proj")),
        new FusedGroup("model.layers.1.self_attn.qkv_proj", List.of("model.layers.1.self_attn.q_proj",
            "model.layers.1.self_attn.k_proj", "model.layers.1.self_attn.v_proj")),
        new FusedGroup("visual.blocks.0.mlp.gate_up_proj",
            List.of("visual.blocks.0.mlp.gate_proj", "visual.blocks.0.mlp.up_proj")),
        new FusedGroup("visual.blocks.1.mlp.gate_up_proj",
            List.of("visual.blocks.1.mlp.gate_proj", "visual.blocks.1.mlp.up_proj")));
  }

  @Test
  void nativeLayoutGroupsUnderNativeNames() {
    var groups = Fixture.named("qwen2_5_vl_native").map().fusedGroups();

    assertThat(groups).extracting(FusedGroup::name).containsExactly(
        "model.language_model.layers.0.mlp.gate_up_proj", "model.language_model.layers.0.self_attn.qkv_proj",
        "model.language_model.layers.1.mlp.gate_up_proj", "model.language_model.layers.1.self_attn.qkv_proj",
        "model.visual.blocks.0.mlp.gate_up_proj", "model.visual.blocks.1.mlp.gate_up_proj");
  }

  @Test
  void qwen35FusesGatedDeltaNetProjectionsAndFullAttention() {
    var p = "model.language_model.layers.";
    var groups = Fixture.named("qwen3_5").map().fusedGroups();

    assertThat(groups).containsExactly(
        new FusedGroup(p + "0.linear_attn.in_proj_ba",
            List.of(p + "0.linear_attn.in_proj_b", p + "0.linear_attn.in_proj_a")),
        new FusedGroup(p + "0.linear_attn.in_proj_qkvz",
            List.of(p + "0.linear_attn.in_proj_qkv", p + "0.linear_attn.in_proj_z")),
        new FusedGroup(p + "0.mlp.gate_up_proj", List.of(p + "0.mlp.gate_proj", p + "0.mlp.up_proj")),
        new FusedGroup(p + "1.mlp.gate_up_proj", List.of(p + "1.mlp.gate_proj", p + "1.mlp.up_proj")),
        new FusedGroup(p + "1.self_attn.qkv_proj",
            List.of(p + "1.self_attn.q_proj", p + "1.self_attn.k_proj", p + "1.self_attn.v_proj")));
  }

  @Test
  void pixtralVisionTowerFusesItsSeparateQkvAndGateUp() {
    var groups = Fixture.named("mistral3").map().fusedGroups();

    assertThat(groups).extracting(FusedGroup::name).contains(
        "vision_tower.transformer.layers.0.attention.qkv_proj",
        "vision_tower.transformer.layers.0.feed_forward.gate_up_proj");
    assertThat(groups).hasSize(4 + 4); // per layer, text and vision: qkv_proj and gate_up_proj
  }

  @Test
  void expertsOfOneMoeLayerFormOneGroupInNaturalOrder() {
    var modules = List.of("model.layers.0.mlp.experts.10.up_proj", "model.layers.0.mlp.experts.2.gate_proj",
        "model.layers.0.mlp.experts.2.up_proj", "model.layers.0.mlp.experts.10.gate_proj",
        "model.layers.0.mlp.shared_expert.gate_proj", "model.layers.0.mlp.shared_expert.up_proj");

    assertThat(FusedGroup.of(modules)).containsExactly(
        new FusedGroup("model.layers.0.mlp.experts", List.of("model.layers.0.mlp.experts.2.gate_proj",
            "model.layers.0.mlp.experts.2.up_proj", "model.layers.0.mlp.experts.10.gate_proj",
            "model.layers.0.mlp.experts.10.up_proj")),
        new FusedGroup("model.layers.0.mlp.shared_expert.gate_up_proj",
            List.of("model.layers.0.mlp.shared_expert.gate_proj", "model.layers.0.mlp.shared_expert.up_proj")));
  }

  @Test
  void singleMembersAndUnfusedLinearsFormNoGroup() {
    assertThat(FusedGroup.of(List.of("visual.blocks.0.attn.qkv", "model.layers.0.self_attn.o_proj",
        "model.layers.0.mlp.down_proj", "model.layers.0.mlp.gate_proj"))).isEmpty();
  }

  @Test
  void splitWhenOnlySomeMembersAreQuantized() {
    var group = new FusedGroup("a.qkv_proj", List.of("a.q_proj", "a.k_proj", "a.v_proj"));

    assertThat(group.isSplit(Set.of("a.q_proj", "a.k_proj")::contains)).isTrue();
    assertThat(group.isSplit(Set.of("a.q_proj", "a.k_proj", "a.v_proj")::contains)).isFalse();
    assertThat(group.isSplit(Set.<String>of()::contains)).isFalse();
  }
}
