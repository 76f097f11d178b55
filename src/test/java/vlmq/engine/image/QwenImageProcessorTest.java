package vlmq.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vlmq.VlmqException;

class QwenImageProcessorTest {
  static Stream<JsonNode> processCases() {
    return StreamSupport.stream(ImageFixtures.MANIFEST.get("process").spliterator(), false);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("processCases")
  void matchesTransformersPixelValues(JsonNode c) {
    ImageProcessorConfig config = ImageProcessorConfig.read(ImageFixtures.path(c.get("config").asText()));
    List<RgbImage> images = new ArrayList<>();
    c.get("images").forEach(i -> images.add(RgbImage.read(ImageFixtures.path(i.asText()))));
    float[] expected = ImageFixtures.float32(c.get("pixel_values").asText());

    PixelValues out = new QwenImageProcessor(config).process(images);

    assertThat(out.rows()).isEqualTo(c.get("rows").asInt());
    assertThat(out.cols()).isEqualTo(c.get("cols").asInt());
    assertThat(out.data()).hasSize(expected.length);
    for (int i = 0; i < images.size(); i++) {
      JsonNode g = c.get("grid_thw").get(i);
      assertThat(out.gridThw().get(i)).isEqualTo(new GridThw(g.get(0).asInt(), g.get(1).asInt(), g.get(2).asInt()));
      assertThat(out.tokens(i)).isEqualTo(c.get("tokens").get(i).asInt());
    }
    double maxError = 0;
    for (int i = 0; i < expected.length; i++) {
      maxError = Math.max(maxError, Math.abs((double) out.data()[i] - expected[i]));
    }
    // The PIL path is reproduced op for op, so the floats are identical, not just close.
    assertThat(maxError).as("max |java - transformers|").isZero();
  }

  @Test
  void specTokenCountsWithHubDefaults() {
    QwenImageProcessor qwen25 = new QwenImageProcessor(ImageProcessorConfig.qwen25vlDefaults());
    QwenImageProcessor qwen3 = new QwenImageProcessor(ImageProcessorConfig.qwen3vlDefaults());
    assertThat(qwen25.grid(640, 480)).isEqualTo(new GridThw(1, 34, 46));
    assertThat(qwen25.grid(640, 480).tokens(2)).isEqualTo(391);
    assertThat(qwen3.grid(640, 480)).isEqualTo(new GridThw(1, 30, 40));
    assertThat(qwen3.grid(640, 480).tokens(2)).isEqualTo(300);
    assertThat(qwen25.grid(1920, 1080)).isEqualTo(new GridThw(1, 78, 138));
    assertThat(qwen25.grid(1920, 1080).tokens(2)).isEqualTo(2691);
    assertThat(qwen3.grid(1920, 1080)).isEqualTo(new GridThw(1, 68, 120));
    assertThat(qwen3.grid(1920, 1080).tokens(2)).isEqualTo(2040);
  }

  @Test
  void stillImageIsRepeatedOverTime() {
    RgbImage image = RgbImage.read(ImageFixtures.path("images/noise56.png"));
    PixelValues out = new QwenImageProcessor(ImageProcessorConfig.qwen25vlDefaults()).process(List.of(image));
    int slice = 14 * 14;
    for (int row = 0; row < out.rows(); row++) {
      for (int ch = 0; ch < 3; ch++) {
        int t0 = row * out.cols() + ch * 2 * slice;
        for (int i = 0; i < slice; i++) {
          assertThat(out.data()[t0 + slice + i]).isEqualTo(out.data()[t0 + i]);
        }
      }
    }
  }

  @Test
  void extremeAspectRatioIsRefused() {
    RgbImage strip = new RgbImage(402, 2, new byte[402 * 2 * 3]);
    assertThatThrownBy(() -> new QwenImageProcessor(ImageProcessorConfig.qwen25vlDefaults()).process(List.of(strip)))
        .isInstanceOf(VlmqException.class)
        .hasMessageContaining("aspect ratio");
  }

  @Test
  void withoutResizeSidesMustBeMultiplesOfTheFactor() {
    ImageProcessorConfig noResize = new ImageProcessorConfig(14, 2, 2, 3136, 1003520, false, true, 1.0 / 255,
        true, ImageProcessorConfig.OPENAI_CLIP_MEAN, ImageProcessorConfig.OPENAI_CLIP_STD);
    RgbImage image = new RgbImage(30, 28, new byte[30 * 28 * 3]);
    assertThatThrownBy(() -> new QwenImageProcessor(noResize).process(List.of(image)))
        .isInstanceOf(VlmqException.class)
        .hasMessageContaining("multiple of patch_size * merge_size = 28")
        .hasMessageContaining("30x28");
  }
}
