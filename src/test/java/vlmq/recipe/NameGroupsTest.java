package vlmq.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NameGroupsTest {
  @Test
  void foldsLayerIndicesIntoRanges() {
    var names = new ArrayList<String>();
    for (int i = 0; i < 36; i++) names.add("model.layers." + i + ".self_attn.q_proj");
    var groups = NameGroups.collapse(names);
    assertThat(groups).singleElement().satisfies(g -> {
      assertThat(g.pattern()).isEqualTo("model.layers.{0..35}.self_attn.q_proj");
      assertThat(g.members()).isEqualTo(names);
    });
  }

  @Test
  void keepsGapsAndShortRunsExplicit() {
    var groups = NameGroups.collapse(List.of("l.0.a", "l.2.a", "l.3.a", "l.4.a", "l.5.a", "l.9.a", "l.10.a", "l.7.b"));
    assertThat(groups).extracting(NameGroups.Group::pattern).containsExactly("l.{0,2..5,9,10}.a", "l.7.b");
  }

  @Test
  void foldsSeveralIndexPositionsOnlyOverFullProducts() {
    var names = new ArrayList<String>();
    for (int layer = 0; layer < 4; layer++) {
      for (int expert = 0; expert < 8; expert++) names.add("model.layers." + layer + ".mlp.experts." + expert + ".up_proj");
    }
    names.add("model.layers.4.mlp.experts.0.up_proj");
    assertThat(NameGroups.collapse(names)).extracting(NameGroups.Group::pattern).containsExactly(
        "model.layers.{0..3}.mlp.experts.{0..7}.up_proj", "model.layers.4.mlp.experts.0.up_proj");
  }

  @Test
  void regexMatchesEveryMemberAndKeepsSingleIndicesLiteral() {
    var names = List.of("visual.blocks.0.mlp.down_proj", "visual.blocks.1.mlp.down_proj", "visual.merger.mlp.2");
    var groups = NameGroups.collapse(names);
    assertThat(groups).extracting(NameGroups.Group::regex)
        .containsExactly("visual\\.blocks\\.\\d+\\.mlp\\.down_proj$", "visual\\.merger\\.mlp\\.2$");
    for (var g : groups) {
      for (var m : g.members()) assertThat(Pattern.compile(g.regex()).matcher(m).lookingAt()).as(m).isTrue();
    }
  }
}
