package vlmq.estimate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import vlmq.model.ModelConfig;

/**
 * lm_head is stored unless transformers ties it, and the families read tie_word_embeddings differently:
 * tying.json (tools/estimate_reference.py) records what transformers 5.18 does for every family fixture under each
 * combination of the top-level and text_config flags.
 */
class TyingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void lmHeadIsStoredExactlyWhenTransformersDoesNotTie() throws IOException {
    var expected = JSON.readTree(PublicConfigs.dir("tying.json").toFile()).get("tied");
    int cases = 0;
    for (var family : expected.properties()) {
      var base = JSON.readTree(PublicConfigs.resource("/fixtures/" + family.getKey() + "/config.json").toFile());
      for (var c : family.getValue().properties()) {
        var flags = c.getKey().split("/");
        var config = (ObjectNode) base.deepCopy();
        set(config, flags[0]);
        set((ObjectNode) config.path("text_config"), flags[1]);
        boolean storesHead = ModelTensors.of(new ModelConfig(config)).tensors().stream()
            .anyMatch(t -> t.name().equals("lm_head.weight"));
        assertThat(!storesHead).as(family.getKey() + " " + c.getKey()).isEqualTo(c.getValue().asBoolean());
        cases++;
      }
    }
    assertThat(cases).isEqualTo(10 * 9);
  }

  private static void set(ObjectNode node, String flag) {
    node.remove("tie_word_embeddings");
    if (!flag.equals("absent")) node.put("tie_word_embeddings", Boolean.parseBoolean(flag));
  }
}
