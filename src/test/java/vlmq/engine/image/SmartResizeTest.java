package vlmq.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import vlmq.VlmqException;

class SmartResizeTest {
  @Test
  void matchesTransformersOnTheSweep() throws IOException {
    List<String> lines = Files.readAllLines(ImageFixtures.path(ImageFixtures.MANIFEST.get("smart_resize").asText()));
    int checked = 0;
    int refused = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      int height = Integer.parseInt(f[0]);
      int width = Integer.parseInt(f[1]);
      int factor = Integer.parseInt(f[2]);
      long min = Long.parseLong(f[3]);
      long max = Long.parseLong(f[4]);
      int expectedHeight = Integer.parseInt(f[5]);
      int expectedWidth = Integer.parseInt(f[6]);
      if (expectedHeight < 0) {
        assertThatThrownBy(() -> SmartResize.of(height, width, factor, min, max))
            .as(line).isInstanceOf(VlmqException.class).hasMessageContaining("aspect ratio");
        refused++;
      } else {
        assertThat(SmartResize.of(height, width, factor, min, max)).as(line)
            .isEqualTo(new SmartResize.Size(expectedHeight, expectedWidth));
      }
      checked++;
    }
    assertThat(checked).isEqualTo(1200);
    assertThat(refused).isPositive();
  }

  @Test
  void roundsHalfToEvenLikePython() {
    // 70 / 28 = 2.5 rounds to 2 (Math.round would give 3): 56, and 56*56 = 3136 is not below min_pixels.
    assertThat(SmartResize.of(70, 70, 28, 3136, 12845056)).isEqualTo(new SmartResize.Size(56, 56));
  }

  @Test
  void spec640x480And1920x1080() {
    assertThat(SmartResize.of(480, 640, 28, 3136, 12845056)).isEqualTo(new SmartResize.Size(476, 644));
    assertThat(SmartResize.of(480, 640, 32, 65536, 16777216)).isEqualTo(new SmartResize.Size(480, 640));
    assertThat(SmartResize.of(1080, 1920, 28, 3136, 12845056)).isEqualTo(new SmartResize.Size(1092, 1932));
    assertThat(SmartResize.of(1080, 1920, 32, 65536, 16777216)).isEqualTo(new SmartResize.Size(1088, 1920));
  }

  @Test
  void extremeAspectRatioIsAClearError() {
    assertThat(SmartResize.of(1, 200, 28, 3136, 12845056)).isEqualTo(new SmartResize.Size(28, 812));
    assertThatThrownBy(() -> SmartResize.of(1, 201, 28, 3136, 12845056))
        .isInstanceOf(VlmqException.class)
        .hasMessageContaining("201x1")
        .hasMessageContaining("aspect ratio of 201.0")
        .hasMessageContaining("crop or pad");
  }
}
