package vlmq.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import vlmq.VlmqException;
import vlmq.model.ModuleNames;

class RuleTest {
  /** Qwen2.5-VL's first vision qkv: runtime, hub checkpoint and vLLM spellings. */
  private static final ModuleNames QKV = new ModuleNames("model.visual.blocks.0.attn.qkv",
      List.of("visual.blocks.0.attn.qkv"), "visual.blocks.0.attn.qkv");
  private static final ModuleNames Q_PROJ = new ModuleNames("model.language_model.layers.3.self_attn.q_proj",
      List.of("model.layers.3.self_attn.q_proj"), "language_model.model.layers.3.self_attn.q_proj");

  @Test
  void regexIsAnchoredAtTheStartOnlyLikePythonsReMatch() {
    assertThat(Rule.parse("re:.*router").match(names("model.layers.0.mlp.router.proj"), "Linear"))
        .isEqualTo(Rule.Match.REGEX);
    assertThat(Rule.parse("re:visual.*").matches(names("model.visual.blocks.0.attn.qkv"), "Linear")).isFalse();
    assertThat(Rule.parse("re:blocks").matches(QKV, "Linear")).isFalse();
  }

  @Test
  void aRuleMatchesWhenAnySpellingOfTheModuleMatches() {
    assertThat(Rule.parse("re:visual.*").matches(QKV, "Linear")).isTrue();
    assertThat(Rule.parse("re:model.visual.*").matches(QKV, "Linear")).isTrue();
    assertThat(Rule.parse("model.layers.3.self_attn.q_proj").match(Q_PROJ, "Linear")).isEqualTo(Rule.Match.EXACT_NAME);
    assertThat(Rule.parse("language_model.model.layers.3.self_attn.q_proj").matches(Q_PROJ, "Linear")).isTrue();
  }

  @Test
  void plainNamesMatchExactlyNotAsPrefixes() {
    assertThat(Rule.parse("visual").matches(QKV, "Linear")).isFalse();
    assertThat(Rule.parse("visual.blocks.0.attn").matches(QKV, "Linear")).isFalse();
  }

  @Test
  void classNamesMatchTheModuleClassWithTheLowestPriority() {
    assertThat(Rule.parse("Linear").match(QKV, "Linear")).isEqualTo(Rule.Match.CLASS);
    assertThat(Rule.parse("Linear").matches(QKV, "Embedding")).isFalse();
    assertThat(Rule.parse("Conv3d").looksLikeClass()).isTrue();
    assertThat(Rule.parse("lm_head").looksLikeClass()).isFalse();
    assertThat(Rule.Match.EXACT_NAME.compareTo(Rule.Match.REGEX)).isNegative();
    assertThat(Rule.Match.REGEX.compareTo(Rule.Match.CLASS)).isNegative();
  }

  @Test
  void pythonNamedGroupsAndBackReferencesAreTranslated() {
    var rule = Rule.parse("re:model\\.layers\\.(?P<layer_id>\\d+)\\.mlp\\.experts\\.(?P=layer_id)\\.");
    assertThat(rule.matches(names("model.layers.7.mlp.experts.7.up_proj"), "Linear")).isTrue();
    assertThat(rule.matches(names("model.layers.7.mlp.experts.8.up_proj"), "Linear")).isFalse();
    assertThat(Rule.parse("re:lm_head\\Z").matches(names("lm_head"), "Linear")).isTrue();
  }

  @Test
  void literalEscapesEveryNonWordCharacter() {
    var name = "model.layers.0.mlp.experts.3.w1+x";
    assertThat(Rule.literal(name)).isEqualTo("model\\.layers\\.0\\.mlp\\.experts\\.3\\.w1\\+x");
    assertThat(Rule.parse("re:" + Rule.literal(name) + "$").matches(names(name), "Linear")).isTrue();
  }

  @Test
  void badRegexIsAUserErrorNamingTheRule() {
    assertThatThrownBy(() -> Rule.parse("re:visual.(blocks"))
        .isInstanceOf(VlmqException.class).hasMessageContaining("re:visual.(blocks");
    assertThatThrownBy(() -> Rule.parse("re:(?P=nope)")).isInstanceOf(VlmqException.class);
    assertThatThrownBy(() -> Rule.parse(" ")).isInstanceOf(VlmqException.class);
  }

  private static ModuleNames names(String name) {
    return new ModuleNames(name, List.of(name), name);
  }
}
