package vlmq.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vlmq.VlmqException;

class RgbImageTest {
  /**
   * ImageIO's libjpeg and Pillow's libjpeg-turbo (both islow IDCT, fancy upsampling) agreed on every byte of the
   * four fixture JPEGs; other files may still differ by a level or two, so JPEG is compared loosely.
   */
  private static final int JPEG_TOLERANCE = 2;

  static Stream<JsonNode> decodeCases() {
    return StreamSupport.stream(ImageFixtures.MANIFEST.get("decode").spliterator(), false);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decodeCases")
  void decodesLikePilConvertRgb(JsonNode c) {
    Path file = ImageFixtures.path(c.get("image").asText());
    if (c.path("refused").asBoolean()) {
      assertThatThrownBy(() -> RgbImage.read(file))
          .isInstanceOf(VlmqException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("16-bit grayscale");
      return;
    }
    RgbImage image = RgbImage.read(file);
    byte[] expected = ImageFixtures.gunzip(c.get("rgb").asText());
    assertThat(image.width()).isEqualTo(c.get("width").asInt());
    assertThat(image.height()).isEqualTo(c.get("height").asInt());
    if (c.get("exact").asBoolean()) {
      assertThat(image.rgb()).as("PIL mode %s", c.get("pil_mode").asText()).isEqualTo(expected);
    } else {
      assertThat(maxAbsDiff(image.rgb(), expected)).as("JPEG levels off Pillow").isLessThanOrEqualTo(JPEG_TOLERANCE);
    }
  }

  @Test
  void coversEveryPngModeFamily() {
    assertThat(decodeCases().map(c -> c.get("pil_mode").asText()).distinct())
        .contains("RGB", "RGBA", "L", "LA", "P", "1", "I;16");
  }

  @Test
  void sampleReadsInterleavedChannels() {
    RgbImage image = new RgbImage(2, 1, new byte[] {1, 2, 3, (byte) 250, 5, 6});
    assertThat(image.sample(1, 0, 0)).isEqualTo(250);
    assertThat(image.sample(0, 0, 2)).isEqualTo(3);
  }

  @Test
  void missingFileIsAClearError(@TempDir Path dir) {
    Path missing = dir.resolve("nope.png");
    assertThatThrownBy(() -> RgbImage.read(missing))
        .isInstanceOf(VlmqException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist");
  }

  @Test
  void garbageIsNotRecognised(@TempDir Path dir) throws IOException {
    Path garbage = Files.writeString(dir.resolve("notes.png"), "this is not an image");
    assertThatThrownBy(() -> RgbImage.read(garbage))
        .isInstanceOf(VlmqException.class)
        .hasMessageContaining(garbage.toString())
        .hasMessageContaining("not a PNG or JPEG");
  }

  @Test
  void truncatedPngIsAClearError(@TempDir Path dir) throws IOException {
    byte[] png = Files.readAllBytes(ImageFixtures.path("images/noise56.png"));
    Path truncated = Files.write(dir.resolve("cut.png"), Arrays.copyOf(png, png.length / 2));
    assertThatThrownBy(() -> RgbImage.read(truncated))
        .isInstanceOf(VlmqException.class)
        .hasMessageContaining("cannot decode image file " + truncated);
  }

  @Test
  void otherFormatsAreRefused(@TempDir Path dir) throws IOException {
    Path bmp = dir.resolve("image.bmp");
    ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_3BYTE_BGR), "bmp", bmp.toFile());
    assertThatThrownBy(() -> RgbImage.read(bmp))
        .isInstanceOf(VlmqException.class)
        .hasMessageContaining("only PNG and JPEG");
  }

  @Test
  void constructorChecksTheBufferSize() {
    assertThatThrownBy(() -> new RgbImage(2, 2, new byte[11])).isInstanceOf(VlmqException.class)
        .hasMessageContaining("needs 12 RGB bytes, got 11");
    assertThatThrownBy(() -> new RgbImage(0, 2, new byte[0])).isInstanceOf(VlmqException.class);
  }

  static int maxAbsDiff(byte[] a, byte[] b) {
    assertThat(a).hasSameSizeAs(b);
    int max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)));
    }
    return max;
  }
}
