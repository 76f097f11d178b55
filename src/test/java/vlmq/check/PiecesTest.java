package vlmq.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import vlmq.VlmqException;
import vlmq.model.Family;

/** The small parts: name grouping, versions, GPUs, the two pattern languages and the family mapper. */
class PiecesTest {
  @Test
  void groupsNumericSegments() {
    var names = new java.util.ArrayList<String>();
    for (int i = 0; i < 36; i++) names.add("model.layers." + i + ".mlp.down_proj");
    names.add("model.layers.3.self_attn.q_proj");
    names.add("model.layers.5.self_attn.q_proj");
    names.add("lm_head");
    assertThat(ModuleGroups.compress(names)).containsExactly("model.layers.{0..35}.mlp.down_proj",
        "model.layers.{3,5}.self_attn.q_proj", "lm_head");
  }

  @Test
  void groupsTwoNumericPositionsAndCapsTheLines() {
    var names = new java.util.ArrayList<String>();
    for (int l = 0; l < 4; l++) for (int e = 0; e < 8; e++) names.add("model.layers." + l + ".mlp.experts." + e + ".w1");
    names.add("model.layers.9.mlp.experts.2.w1");
    assertThat(ModuleGroups.compress(names)).containsExactly("model.layers.{0..3}.mlp.experts.{0..7}.w1",
        "model.layers.9.mlp.experts.2.w1");
    var many = new java.util.ArrayList<String>();
    for (int i = 0; i < 20; i++) many.add("m" + i + ".x");
    var lines = ModuleGroups.compress(many);
    assertThat(lines).hasSize(ModuleGroups.MAX_LINES + 1).last().isEqualTo("… and 8 more");
    assertThat(ModuleGroups.set(new TreeSet<>(Set.of(0, 1, 2, 3, 7, 9, 10)))).isEqualTo("{0..3,7,9,10}");
  }

  @Test
  void parsesAndOrdersVllmVersions() {
    assertThat(VllmVersion.parse("v0.11.0rc1")).isEqualTo(new VllmVersion(0, 11, 0));
    assertThat(VllmVersion.parse("0.12")).isEqualTo(new VllmVersion(0, 12, 0));
    assertThat(VllmVersion.parse("latest")).isEqualTo(VllmVersion.MAIN);
    assertThat(VllmVersion.parse("0.13.0").has(VllmChange.MODELOPT_STAR_SPLIT)).isTrue();
    assertThat(VllmVersion.parse("0.12.9").has(VllmChange.MODELOPT_STAR_SPLIT)).isFalse();
    assertThat(VllmVersion.timeline()).startsWith(VllmVersion.OLDEST).endsWith(VllmVersion.MAIN).isSorted();
    assertThatThrownBy(() -> VllmVersion.parse("eleven")).isInstanceOf(VlmqException.class);
  }

  @Test
  void writesVersionRanges() {
    var t = List.of(VllmVersion.parse("0.10.0"), VllmVersion.parse("0.11.0"), VllmVersion.parse("0.13.0"),
        VllmVersion.MAIN);
    assertThat(Versions.range(t, new TreeSet<>(t))).isEqualTo("all vLLM versions examined (0.10.0 – main)");
    assertThat(Versions.range(t, new TreeSet<>(t.subList(0, 2)))).isEqualTo("vLLM ≤ 0.12.x");
    assertThat(Versions.range(t, new TreeSet<>(t.subList(1, 4)))).isEqualTo("vLLM ≥ 0.11.0");
    assertThat(Versions.range(t, new TreeSet<>(Set.of(t.get(1))))).isEqualTo("vLLM 0.11.0 – 0.12.x");
    assertThat(Versions.range(t, new TreeSet<>(Set.of(VllmVersion.MAIN)))).isEqualTo("vLLM main (after 2026-05)");
    assertThat(Versions.range(t, new TreeSet<>(Set.of(t.get(0), t.get(2)))))
        .isEqualTo("vLLM ≤ 0.10.x, 0.13.0 – the latest release (not main after 2026-05)");
  }

  @Test
  void namesGpus() {
    assertThat(Gpu.named("NVIDIA H100 80GB HBM3").capability()).isEqualTo(90);
    assertThat(Gpu.named("a100-sxm4-80gb").capability()).isEqualTo(80);
    assertThat(Gpu.named("A10").capability()).isEqualTo(86);
    assertThat(Gpu.named("rtx 4090").capability()).isEqualTo(89);
    assertThat(Gpu.named("GB200").capability()).isEqualTo(100);
    assertThat(Gpu.ofCapability("8.9").capability()).isEqualTo(89);
    assertThat(Gpu.ofCapability("sm_100").capability()).isEqualTo(100);
    assertThat(Gpu.ofCapability("12.0").describe()).isEqualTo("a GPU with compute capability 12.0");
    assertThatThrownBy(() -> Gpu.named("Voodoo2")).hasMessageContaining("--compute-capability");
  }

  @Test
  void fnmatchAndReMatchFollowPython() {
    assertThat(Patterns.fnmatch("visual.blocks.0.attn.qkv", "visual.*")).isTrue();
    assertThat(Patterns.fnmatch("visual.blocks.0.attn.qkv", "language_model.model.visual*")).isFalse();
    assertThat(Patterns.fnmatch("model.layers.1.mlp", "model.layers.[0-1].mlp")).isTrue();
    assertThat(Patterns.fnmatch("model.layers.2.mlp", "model.layers.[!0-1].mlp")).isTrue();
    assertThat(Patterns.fnmatch("a.b", "a?b")).isTrue();
    assertThat(Patterns.reMatch("visual.*", "model.visual.blocks")).contains(false); // re.match anchors the start
    assertThat(Patterns.reMatch(".*visual.*", "model.visual.blocks")).contains(true);
    assertThat(Patterns.reMatch("(unclosed", "x")).isEmpty();
  }

  @Test
  void mapsExclusionEntriesLikeQwensWeightsMapper() {
    var qwen = VllmModel.of(java.util.Optional.of(Family.QWEN2_5_VL));
    assertThat(qwen.map("model.visual.*")).isEqualTo("visual.*");
    assertThat(qwen.map("model.visual*")).isEqualTo("language_model.model.visual*"); // the catch-all model. rule
    assertThat(qwen.map("lm_head")).isEqualTo("lm_head");
    assertThat(qwen.map("model.language_model.layers.0")).isEqualTo("language_model.model.layers.0");
    var qwen3 = VllmModel.of(java.util.Optional.of(Family.QWEN3_VL));
    assertThat(qwen3.map("model.visual*")).isEqualTo("model.visual*"); // no catch-all
    assertThat(qwen.hasPackedMapping(VllmVersion.parse("0.10.1"))).isFalse();
    assertThat(qwen.hasPackedMapping(VllmVersion.parse("0.10.2"))).isTrue();
  }
}
