package vlmq.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vlmq.VlmqException;

class PillowResizeTest {
  static Stream<JsonNode> resizeCases() {
    return StreamSupport.stream(ImageFixtures.MANIFEST.get("resize").spliterator(), false);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("resizeCases")
  void bitExactWithPillowBicubic(JsonNode c) {
    RgbImage source = RgbImage.read(ImageFixtures.path(c.get("image").asText()));
    int width = c.get("width").asInt();
    int height = c.get("height").asInt();
    byte[] expected = ImageFixtures.gunzip(c.get("rgb").asText());

    RgbImage resized = PillowResize.bicubic(source, width, height);

    assertThat(resized.width()).isEqualTo(width);
    assertThat(resized.height()).isEqualTo(height);
    byte[] actual = resized.rgb();
    int differing = 0;
    for (int i = 0; i < actual.length; i++) {
      differing += actual[i] == expected[i] ? 0 : 1;
    }
    assertThat(differing).as("bytes differing from Pillow, first at %s", firstDifference(actual, expected))
        .isZero();
  }

  @Test
  void casesCoverEveryPassCombination() {
    // Both passes, horizontal only, vertical only, none; up and down on each axis.
    assertThat(resizeCases().map(PillowResizeTest::kind).distinct())
        .contains("both", "horizontal", "vertical", "identity");
    assertThat(resizeCases().filter(c -> width(c) < sourceWidth(c)).count()).isPositive();
    assertThat(resizeCases().filter(c -> width(c) > sourceWidth(c)).count()).isPositive();
  }

  @Test
  void unchangedSizeReturnsTheImage() {
    RgbImage image = new RgbImage(1, 1, new byte[] {1, 2, 3});
    assertThat(PillowResize.bicubic(image, 1, 1)).isSameAs(image);
  }

  @Test
  void emptyTargetIsRefused() {
    RgbImage image = new RgbImage(1, 1, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> PillowResize.bicubic(image, 0, 3)).isInstanceOf(VlmqException.class);
  }

  @Test
  void kernelIsTheA05Cubic() {
    assertThat(PillowResize.bicubicFilter(0)).isEqualTo(1.0);
    assertThat(PillowResize.bicubicFilter(1)).isEqualTo(0.0);
    assertThat(PillowResize.bicubicFilter(-0.5)).isEqualTo(0.5625);
    assertThat(PillowResize.bicubicFilter(1.5)).isEqualTo(-0.0625);
    assertThat(PillowResize.bicubicFilter(2)).isEqualTo(0.0);
  }

  private static String kind(JsonNode c) {
    RgbImage source = RgbImage.read(ImageFixtures.path(c.get("image").asText()));
    boolean h = width(c) != source.width();
    boolean v = c.get("height").asInt() != source.height();
    return h && v ? "both" : h ? "horizontal" : v ? "vertical" : "identity";
  }

  private static int width(JsonNode c) {
    return c.get("width").asInt();
  }

  private static int sourceWidth(JsonNode c) {
    return RgbImage.read(ImageFixtures.path(c.get("image").asText())).width();
  }

  private static String firstDifference(byte[] a, byte[] b) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] != b[i]) {
        return "byte " + i + ": " + (a[i] & 0xFF) + " vs Pillow " + (b[i] & 0xFF);
      }
    }
    return "none";
  }
}
