package vlmq.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vlmq.VlmqException;

class ImageProcessorConfigTest {
  @TempDir Path dir;

  static Stream<JsonNode> resolutionCases() {
    return StreamSupport.stream(ImageFixtures.MANIFEST.get("config_resolution").spliterator(), false);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("resolutionCases")
  void resolvesFieldsLikeTransformers(JsonNode c) throws IOException {
    Path file = Files.writeString(dir.resolve("preprocessor_config.json"), c.get("json").toString());
    if (c.has("error")) {
      assertThatThrownBy(() -> ImageProcessorConfig.read(file))
          .isInstanceOf(VlmqException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("shortest_edge");
      return;
    }
    JsonNode r = c.get("resolved");
    ImageProcessorConfig config = ImageProcessorConfig.read(file);
    assertThat(config.patchSize()).isEqualTo(r.get("patch_size").asInt());
    assertThat(config.temporalPatchSize()).isEqualTo(r.get("temporal_patch_size").asInt());
    assertThat(config.mergeSize()).isEqualTo(r.get("merge_size").asInt());
    assertThat(config.minPixels()).isEqualTo(r.get("min_pixels").asLong());
    assertThat(config.maxPixels()).isEqualTo(r.get("max_pixels").asLong());
    assertThat(config.doResize()).isEqualTo(r.get("do_resize").asBoolean());
    assertThat(config.doRescale()).isEqualTo(r.get("do_rescale").asBoolean());
    assertThat(config.rescaleFactor()).isEqualTo(r.get("rescale_factor").asDouble());
    assertThat(config.doNormalize()).isEqualTo(r.get("do_normalize").asBoolean());
    assertThat(config.imageMean()).containsExactly(doubles(r.get("image_mean")));
    assertThat(config.imageStd()).containsExactly(doubles(r.get("image_std")));
  }

  @Test
  void hubDefaultsEqualThePublishedFiles() throws IOException {
    JsonNode qwen25 = resolutionCases().toList().get(0).get("json");
    JsonNode qwen3 = resolutionCases().toList().get(1).get("json");
    assertThat(qwen25.get("processor_class").asText()).isEqualTo("Qwen2_5_VLProcessor");
    assertThat(qwen3.get("processor_class").asText()).isEqualTo("Qwen3VLProcessor");
    assertSame(ImageProcessorConfig.qwen25vlDefaults(), read(qwen25));
    assertSame(ImageProcessorConfig.qwen3vlDefaults(), read(qwen3));
    assertThat(ImageProcessorConfig.qwen25vlDefaults().factor()).isEqualTo(28);
    assertThat(ImageProcessorConfig.qwen3vlDefaults().factor()).isEqualTo(32);
  }

  @Test
  void checkpointPrefersTheNestedProcessorConfig() throws IOException {
    Files.writeString(dir.resolve("preprocessor_config.json"), "{\"patch_size\": 14}");
    assertThat(ImageProcessorConfig.forCheckpoint(dir).patchSize()).isEqualTo(14);
    Files.writeString(dir.resolve("processor_config.json"), "{\"processor_class\": \"Qwen3VLProcessor\"}");
    assertThat(ImageProcessorConfig.forCheckpoint(dir).patchSize()).isEqualTo(14);
    Files.writeString(dir.resolve("processor_config.json"), "{\"image_processor\": {\"patch_size\": 16}}");
    assertThat(ImageProcessorConfig.forCheckpoint(dir).patchSize()).isEqualTo(16);
  }

  @Test
  void checkpointWithoutSettingsIsAClearError() {
    assertThatThrownBy(() -> ImageProcessorConfig.forCheckpoint(dir))
        .isInstanceOf(VlmqException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("preprocessor_config.json");
  }

  @Test
  void badFilesAreClearErrors() throws IOException {
    assertThatThrownBy(() -> ImageProcessorConfig.read(dir.resolve("missing.json")))
        .isInstanceOf(VlmqException.class).hasMessageContaining("does not exist");
    assertRefused("{\"patch_size\": ", "not valid JSON");
    assertRefused("[1, 2]", "not a JSON object");
    assertRefused("{\"image_processor_type\": \"SiglipImageProcessor\"}", "not a Qwen2-VL-family");
    assertRefused("{\"resample\": 2}", "resample 2 is not supported");
    assertRefused("{\"patch_size\": 14.5}", "patch_size must be a whole number");
    assertRefused("{\"patch_size\": 0}", "must all be positive");
    assertRefused("{\"do_resize\": \"false\"}", "do_resize must be true or false");
    assertRefused("{\"image_mean\": [0.5, 0.5]}", "image_mean must be a number or a list of 3 numbers");
    assertRefused("{\"image_std\": [0.5, 0, 0.5]}", "contains 0");
    assertRefused("{\"size\": 448}", "size must be an object");
  }

  @Test
  void sizeIsOnlyNeededWhenResizing() throws IOException {
    Path file = Files.writeString(dir.resolve("p.json"), "{\"do_resize\": false, \"size\": {\"shortest_edge\": 1}}");
    assertThat(ImageProcessorConfig.read(file).doResize()).isFalse();
  }

  private void assertRefused(String json, String message) throws IOException {
    Path file = Files.writeString(dir.resolve("bad.json"), json);
    assertThatThrownBy(() -> ImageProcessorConfig.read(file))
        .isInstanceOf(VlmqException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining(message);
  }

  private ImageProcessorConfig read(JsonNode json) throws IOException {
    return ImageProcessorConfig.read(Files.writeString(dir.resolve("hub.json"), json.toString()));
  }

  private static void assertSame(ImageProcessorConfig expected, ImageProcessorConfig actual) {
    assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
  }

  private static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asDouble();
    }
    return out;
  }
}
