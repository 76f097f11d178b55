package vlmq.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The bundled demo must stay a Qwen2.5-VL whose image processor and vision tower agree (tools/make_demo.py). */
class DemoCheckpointTest {
  private static final String DEMO = "/vlmq/demo/qwen2_5_vl_tiny/";

  @Test
  void demoIsATiedQwen25VlWithTheRealVocabulary() throws IOException {
    var config = ModelConfig.parse(resource("config.json"), "demo config.json");

    assertThat(Family.detect(config)).contains(Family.QWEN2_5_VL);
    assertThat(config.tieWordEmbeddings()).contains(true);
    assertThat(config.textConfig().path("vocab_size").asInt()).isEqualTo(151936);
    assertThat(config.root().path("image_token_id").asInt()).isEqualTo(151655);
    assertThat(config.visionConfig().path("out_hidden_size").asInt())
        .isEqualTo(config.textConfig().path("hidden_size").asInt());
  }

  @Test
  void imageProcessorMatchesTheVisionTower() throws IOException {
    var vision = ModelConfig.parse(resource("config.json"), "demo config.json").visionConfig();
    var processor = new ObjectMapper().readTree(resource("preprocessor_config.json"));

    assertThat(processor.path("patch_size").asInt()).isEqualTo(vision.path("patch_size").asInt());
    assertThat(processor.path("merge_size").asInt()).isEqualTo(vision.path("spatial_merge_size").asInt());
    assertThat(processor.path("temporal_patch_size").asInt()).isEqualTo(vision.path("temporal_patch_size").asInt());
    assertThat(processor.path("processor_class").asText()).isEqualTo("Qwen2_5_VLProcessor");
  }

  private static String resource(String file) throws IOException {
    try (InputStream in = DemoCheckpointTest.class.getResourceAsStream(DEMO + file)) {
      assertThat(in).as(DEMO + file).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
