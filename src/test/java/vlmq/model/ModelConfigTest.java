package vlmq.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.VlmqException;

class ModelConfigTest {
  @TempDir Path dir;

  @Test
  void missingFileNamesThePathAndWhatToDo() {
    var missing = dir.resolve("config.json");

    assertThatThrownBy(() -> ModelConfig.read(missing)).isInstanceOf(VlmqException.class)
        .hasMessageContaining(missing.toString()).hasMessageContaining("not found");
  }

  @Test
  void malformedJsonNamesTheFileAndLine() throws IOException {
    var file = Files.writeString(dir.resolve("config.json"), "{\n  \"model_type\": \"qwen2_5_vl\",\n  oops\n}");

    assertThatThrownBy(() -> ModelConfig.read(file)).isInstanceOf(VlmqException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("not valid JSON at line 3");
  }

  @Test
  void aJsonArrayIsNotAConfig() {
    assertThatThrownBy(() -> ModelConfig.parse("[1, 2]", "cfg.json")).isInstanceOf(VlmqException.class)
        .hasMessage("cfg.json must hold a JSON object");
  }

  @Test
  void readsTheFixtureConfig() {
    var config = Fixture.named("qwen2_5_vl").config();

    assertThat(config.architecture()).isEqualTo("Qwen2_5_VLForConditionalGeneration");
    assertThat(config.modelType()).isEqualTo("qwen2_5_vl");
    assertThat(config.textConfig().path("hidden_size").asInt()).isEqualTo(128);
    assertThat(config.visionConfig().path("out_hidden_size").asInt()).isEqualTo(128);
    assertThat(config.tieWordEmbeddings()).contains(false);
  }

  @Test
  void flatConfigsKeepTextFieldsAtTheTopAndTyingMayLiveInTextConfig() {
    var flat = ModelConfig.parse("{\"model_type\":\"qwen2_vl\",\"hidden_size\":3584}", "flat");
    var nestedTie = ModelConfig.parse(
        "{\"tie_word_embeddings\":false,\"text_config\":{\"tie_word_embeddings\":true}}", "nested");

    assertThat(flat.textConfig().path("hidden_size").asInt()).isEqualTo(3584);
    assertThat(flat.visionConfig().isMissingNode()).isTrue();
    assertThat(flat.architecture()).isEmpty();
    assertThat(flat.tieWordEmbeddings()).isEmpty();
    assertThat(nestedTie.tieWordEmbeddings()).contains(true);
  }
}
