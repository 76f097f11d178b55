package vlmq.estimate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import vlmq.model.Family;
import vlmq.model.ModelConfig;

class VisionEncoderTest {
  private static VisionEncoder encoder(String name) {
    var config = PublicConfigs.config(name);
    var model = ModelTensors.of(config);
    return VisionEncoder.of(model.family(), config, model.text().hidden(), null);
  }

  /** Grids from transformers' Qwen2VLImageProcessor, as listed in the spec (qwen-vl-architecture.md §3). */
  @ParameterizedTest
  @CsvSource({
      "Qwen2.5-VL-7B-Instruct, 640, 480, 1564, 391",
      "Qwen2.5-VL-7B-Instruct, 1920, 1080, 10764, 2691",
      "Qwen3.5-9B, 640, 480, 1200, 300",
      "Qwen3-VL-8B-Instruct, 1920, 1080, 8160, 2040"})
  void qwenTokensAreTheProcessorGridOverMergeSquared(String name, int w, int h, long patches, long tokens) {
    var image = encoder(name).image(w, h);
    assertThat(image.patches()).isEqualTo(patches);
    assertThat(image.tokens()).isEqualTo(tokens);
  }

  @Test
  void largestImageIsWhatMaxPixelsAllows() {
    // Qwen2.5-VL: max_pixels 12845056 = 3584^2; Qwen3.x: 16777216 = 4096^2; both 256x256 patches, 16384 tokens.
    assertThat(encoder("Qwen2.5-VL-7B-Instruct").largestImage()).containsExactly(3584, 3584);
    assertThat(encoder("Qwen3.5-9B").largestImage()).containsExactly(4096, 4096);
    assertThat(encoder("Qwen2.5-VL-7B-Instruct").image(3584, 3584).tokens()).isEqualTo(16384);
  }

  /**
   * Qwen2.5-VL-7B on one 1280x720 image (52x92 = 4784 patches, 1196 tokens): pixel rows in float32 and bf16
   * (1176 values each), residual + normed stream (2 x 1280), the gated MLP's three 3420-wide intermediates, and the
   * merger's 1196 embeddings of 3584.
   */
  @Test
  void encoderPeakByHand() {
    var encoder = encoder("Qwen2.5-VL-7B-Instruct");
    long expected = 4784L * 1176 * (4 + 2) + 4784L * (2 * 1280 + 3 * 3420) * 2 + 1196L * 3584 * 2;
    assertThat(encoder.peakBytes(4784, 1196, 2)).isEqualTo(expected);
  }

  @Test
  void fixedResolutionTowersCountOneTile() {
    var gemma = ModelConfig.read(PublicConfigs.resource("/fixtures/gemma3/config.json"));
    var g = VisionEncoder.of(Family.GEMMA3, gemma, 128, null).image(800, 600);
    assertThat(g.patches()).isEqualTo(16); // (64 / 16)^2
    assertThat(g.tokens()).isEqualTo(4); // mm_tokens_per_image
    var llava = ModelConfig.read(PublicConfigs.resource("/fixtures/llava/config.json"));
    var l = VisionEncoder.of(Family.LLAVA, llava, 128, null).image(800, 600);
    assertThat(l.patches()).isEqualTo(17); // (56 / 14)^2 + CLS
    assertThat(l.tokens()).isEqualTo(16); // "default" strategy drops CLS
  }

  @Test
  void pixtralScalesIntoImageSizeAndAddsRowBreaks() {
    var config = ModelConfig.read(PublicConfigs.resource("/fixtures/mistral3/config.json"));
    // image_size 64, patch 16, merge 2: 128x64 scales to 64x32 -> 2 x 4 patches -> 1 merged row of 2 + 1 break.
    var image = VisionEncoder.of(Family.MISTRAL3, config, 128, null).image(128, 64);
    assertThat(image.patches()).isEqualTo(8);
    assertThat(image.tokens()).isEqualTo(3);
  }
}
