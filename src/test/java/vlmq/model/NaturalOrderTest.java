package vlmq.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NaturalOrderTest {
  @Test
  void ordersIndicesByValueSegmentBySegment() {
    var names = new ArrayList<>(List.of("model.layers.10.mlp", "model.layers.2.mlp.up_proj", "model.layers.2.mlp",
        "model.layers.2", "model.layers.2.mlp.down_proj", "lm_head", "model.layers.1a", "model.layers.19",
        "model.embed_tokens", "model", "visual.blocks.0.attn", "model.layers.100", "model.layers.", "model.layers"));
    names.sort(NaturalOrder.INSTANCE);
    // a segment that is not all digits compares as text, even against a number: "1a" < "2"
    assertThat(names).containsExactly("lm_head", "model", "model.embed_tokens", "model.layers", "model.layers.",
        "model.layers.1a", "model.layers.2", "model.layers.2.mlp", "model.layers.2.mlp.down_proj",
        "model.layers.2.mlp.up_proj", "model.layers.10.mlp", "model.layers.19", "model.layers.100",
        "visual.blocks.0.attn");
  }

  @Test
  void isAConsistentTotalOrder() {
    var names = List.of("a", "a.b", "a.10", "a.9", "a.09x", "b", "a.b.c", "", ".", "a..b", "10", "9");
    for (String x : names) {
      assertThat(NaturalOrder.INSTANCE.compare(x, x)).isZero();
      for (String y : names) {
        assertThat(Integer.signum(NaturalOrder.INSTANCE.compare(x, y)))
            .as(x + " vs " + y).isEqualTo(-Integer.signum(NaturalOrder.INSTANCE.compare(y, x)));
      }
    }
  }
}
