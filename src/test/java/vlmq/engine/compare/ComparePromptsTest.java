package vlmq.engine.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.VlmqException;
import vlmq.demo.DemoModel;
import vlmq.engine.tokenizer.Tokenizer;
import vlmq.engine.qwen.QwenVlConfig;
import vlmq.model.ModelConfig;

/** The built-in prompts, prompt files, synthetic images, and the KL divergence against hand-computed values. */
class ComparePromptsTest {
  private static final QwenVlConfig CONFIG =
      QwenVlConfig.of(ModelConfig.read(Path.of("src/test/resources/fixtures/qwen2_5_vl/config.json")));

  @Test
  void defaultPromptsPutOneImagePerImagePadAndTextBelowTheSpecialTokens() {
    var prompts = ComparePrompts.defaults(CONFIG, List.of(), null);
    assertThat(prompts).extracting(ComparePrompts.Prompt::label)
        .containsExactly("image, then text", "text, image, text", "text only", "two images");
    for (ComparePrompts.Prompt p : prompts) {
      long pads = Arrays.stream(p.tokenIds()).filter(id -> id == CONFIG.imageTokenId()).count();
      assertThat(p.images()).hasSize((int) pads);
      assertThat(Arrays.stream(p.tokenIds()).boxed()).allMatch(id -> id < CONFIG.visionStartTokenId()
          || id == CONFIG.visionStartTokenId() || id == CONFIG.imageTokenId() || id == CONFIG.visionEndTokenId());
    }
    assertThat(ComparePrompts.defaults(CONFIG, List.of(), null).get(1).tokenIds()).as("seeded")
        .isEqualTo(prompts.get(1).tokenIds());
  }

  @Test
  void promptFilesCycleThroughTheImagesAndNameBadLines(@TempDir Path tmp) throws Exception {
    Path file = Files.writeString(tmp.resolve("p.txt"), "# ids\n506 509 507 1 2\n\n3,4 , 5\n506 509 507 506 509 507\n");
    var images = ComparePrompts.synthetic().subList(0, 2);
    var prompts = ComparePrompts.read(file, CONFIG, images, null);
    assertThat(prompts).extracting(ComparePrompts.Prompt::label).containsExactly("line 2", "line 4", "line 5");
    assertThat(prompts.get(1).tokenIds()).containsExactly(3, 4, 5);
    assertThat(prompts.get(2).images()).containsExactly(images.get(1), images.get(0));

    Files.writeString(file, "1 2\nhello world\n");
    assertThatThrownBy(() -> ComparePrompts.read(file, CONFIG, images, null)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("line 2").hasMessageContaining("token ids").hasMessageContaining("no tokenizer.json");
    Files.writeString(file, "# nothing\n");
    assertThatThrownBy(() -> ComparePrompts.read(file, CONFIG, images, null)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("no prompts");
  }

  /** The demo's real tokenizer: chat turns with Qwen2.5-VL's template, text lines with {@code <image>} markers. */
  @Test
  void withATokenizerPromptsAreChatTurns(@TempDir Path tmp) throws Exception {
    Path demo = DemoModel.extractTo(tmp.resolve("demo"));
    QwenVlConfig config = QwenVlConfig.of(ModelConfig.read(demo.resolve("config.json")));
    try (Tokenizer tokenizer = Tokenizer.load(demo)) {
      int imStart = tokenizer.tokenId("<|im_start|>").orElseThrow();
      var prompts = ComparePrompts.defaults(config, List.of(), tokenizer);
      assertThat(prompts).extracting(ComparePrompts.Prompt::label)
          .containsExactly("describe image", "image question", "text only", "two images");
      for (ComparePrompts.Prompt p : prompts) {
        assertThat(p.tokenIds()[0]).isEqualTo(imStart);
        long pads = Arrays.stream(p.tokenIds()).filter(id -> id == config.imageTokenId()).count();
        assertThat(p.images()).hasSize((int) pads);
      }
      assertThat(tokenizer.decode(prompts.get(2).tokenIds(), false)).isEqualTo("<|im_start|>system\nYou are a helpful"
          + " assistant.<|im_end|>\n<|im_start|>user\nWrite a short poem about the sea.<|im_end|>\n"
          + "<|im_start|>assistant\n");

      Path file = Files.writeString(tmp.resolve("p.txt"), "<image> What is this?\n151652 151655 151653 9707\n");
      var read = ComparePrompts.read(file, config, List.of(), tokenizer);
      assertThat(read.get(0).images()).hasSize(1);
      assertThat(tokenizer.decode(read.get(0).tokenIds(), false)).contains(
          "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>What is this?<|im_end|>");
      assertThat(read.get(1).tokenIds()).containsExactly(151652, 151655, 151653, 9707);
      assertThat(read.get(1).images()).hasSize(1);
    }
  }

  @Test
  void syntheticImagesAreFixed() {
    var a = ComparePrompts.synthetic();
    var b = ComparePrompts.synthetic();
    assertThat(a).hasSize(3);
    for (int i = 0; i < 3; i++) assertThat(a.get(i).rgb()).isEqualTo(b.get(i).rgb());
    assertThat(a.get(0).sample(111, 0, 0)).isEqualTo(255);
    assertThat(a.get(0).sample(0, 111, 1)).isEqualTo(255);
  }

  @Test
  void klDivergenceOfKnownDistributions() {
    // p = softmax(0, ln 3) = (1/4, 3/4) against the uniform q: 1/4·ln(1/2) + 3/4·ln(3/2)
    float[] p = {0f, (float) Math.log(3), 5f};
    float[] q = {7f, 7f, 5f};
    assertThat(LogitComparison.kl(p, q, 0, 2)).isCloseTo(0.25 * Math.log(0.5) + 0.75 * Math.log(1.5), within(1e-7));
    assertThat(LogitComparison.kl(p, p, 0, 3)).isZero();
    assertThat(LogitComparison.kl(new float[] {1000f, 0f}, new float[] {0f, 1000f}, 0, 2)).isCloseTo(1000, within(1e-6));
  }
}
