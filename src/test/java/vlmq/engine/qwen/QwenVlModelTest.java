package vlmq.engine.qwen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.VlmqException;
import vlmq.engine.image.GridThw;
import vlmq.engine.image.PixelValues;
import vlmq.model.ModelConfig;

/** Loading variants, stop tokens, prompt checks and the index arithmetic the parity test exercises only in bulk. */
class QwenVlModelTest {
  private static final QwenVlConfig.LayerType LINEAR = QwenVlConfig.LayerType.LINEAR_ATTENTION;
  private static final QwenVlConfig.LayerType FULL = QwenVlConfig.LayerType.FULL_ATTENTION;
  private static final Path FIXTURE = Dump.resource("/fixtures/qwen2_5_vl");

  private static PixelValues noImages(QwenVlModel model) {
    return new PixelValues(new float[0], 0, model.config().vision().patchValues(), List.of(), 2);
  }

  /** The original Qwen2.5-VL release: text fields at the top level, {@code rope_scaling} with type mrope. */
  @Test
  void theFlatOriginalConfigLayoutGivesIdenticalLogits(@TempDir Path tmp) throws Exception {
    var json = new ObjectMapper();
    var config = (ObjectNode) json.readTree(FIXTURE.resolve("config.json").toFile());
    var text = (ObjectNode) config.remove("text_config");
    var rope = (ObjectNode) text.remove("rope_parameters");
    config.setAll(text);
    config.put("rope_theta", rope.get("rope_theta").asDouble());
    config.putObject("rope_scaling").put("type", "mrope").set("mrope_section", rope.get("mrope_section"));
    Files.writeString(tmp.resolve("config.json"), json.writeValueAsString(config));
    Files.copy(FIXTURE.resolve("model.safetensors"), tmp.resolve("model.safetensors"));

    int[] ids = {5, 17, 300, 42, 8};
    try (var nested = QwenVlModel.load(FIXTURE); var flat = QwenVlModel.load(tmp)) {
      assertThat(flat.config().text().mropeSection()).containsExactly(4, 6, 6);
      assertThat(flat.forward(flat.prompt(ids, noImages(flat)), ForwardObserver.NONE))
          .isEqualTo(nested.forward(nested.prompt(ids, noImages(nested)), ForwardObserver.NONE));
    }
  }

  @Test
  void generationEndsAtTheFirstStopTokenAndReturnsIt() {
    try (var model = QwenVlModel.load(FIXTURE); var ref = Dump.open("qwen2_5_vl", "text")) {
      int[] expected = ref.ints("generated");
      int stop = expected[5];
      int first = IntStream.range(0, expected.length).filter(i -> expected[i] == stop).findFirst().orElseThrow();
      var streamed = new java.util.ArrayList<Integer>();
      Generation g = model.generate(model.prompt(ref.ints("prompt_ids"), noImages(model)), 32, Set.of(stop),
          ForwardObserver.NONE, streamed::add);
      assertThat(g.stopped()).isTrue();
      assertThat(g.tokens()).isEqualTo(Arrays.copyOf(expected, first + 1));
      assertThat(streamed).containsExactlyElementsOf(Arrays.stream(g.tokens()).boxed().toList());
    }
  }

  @Test
  void stopTokensComeFromTheConfigWhenThereIsNoGenerationConfig() {
    try (var model = QwenVlModel.load(FIXTURE)) {
      assertThat(model.stopTokens()).containsExactly(2);
      assertThat(model.usesDefaultImageProcessor()).isTrue();
    }
    try (var demo = QwenVlModel.load(Dump.resource("/vlmq/demo/qwen2_5_vl_tiny"))) {
      assertThat(demo.stopTokens()).containsExactlyInAnyOrder(151645, 151643);
      assertThat(demo.usesDefaultImageProcessor()).isFalse();
    }
  }

  @Test
  void promptsAreCheckedAgainstTheVocabularyAndTheImages() {
    try (var model = QwenVlModel.load(FIXTURE)) {
      var tooBig = model.prompt(new int[] {1, 512}, noImages(model));
      assertThatThrownBy(() -> model.forward(tooBig, ForwardObserver.NONE)).isInstanceOf(VlmqException.class)
          .hasMessageContaining("token id 512 is outside the vocabulary [0, 512)");
      assertThatThrownBy(() -> model.prompt(new int[] {506, 509, 507}, noImages(model)))
          .isInstanceOf(VlmqException.class).hasMessageContaining("1 image_pad token(s) (id 509) for 0 image(s)");
    }
  }

  private static QwenVlConfig qwen35(String textFields) {
    return QwenVlConfig.of(ModelConfig.parse("{\"model_type\": \"qwen3_5\", \"text_config\": {" + textFields
        + "}, \"vision_config\": {\"out_hidden_size\": 4096}}", "config.json"));
  }

  /** Qwen3_5TextConfig: every full_attention_interval-th layer (default 4) is full attention, the rest DeltaNet. */
  @Test
  void qwen35LayerTypesAndDefaultsFollowTheConfigurationClass() {
    var defaults = qwen35("\"num_hidden_layers\": 8").text();
    assertThat(defaults.layerTypes()).containsExactly(LINEAR, LINEAR, LINEAR, FULL, LINEAR, LINEAR, LINEAR, FULL);
    assertThat(defaults.headDim()).isEqualTo(256);
    assertThat(defaults.rotaryDim()).isEqualTo(64);
    assertThat(defaults.mropeSection()).containsExactly(11, 11, 10);
    assertThat(defaults.linearAttention()).isEqualTo(new QwenVlConfig.LinearAttention(4, 16, 32, 128, 128));
    assertThat(qwen35("\"num_hidden_layers\": 4, \"full_attention_interval\": 2").text().layerTypes())
        .containsExactly(LINEAR, FULL, LINEAR, FULL);
    try (var model = QwenVlModel.load(Dump.resource("/fixtures/qwen3_5"))) {
      assertThat(model.config().text().layerTypes()).containsExactly(LINEAR, FULL);
      assertThat(model.config().text().rotaryDim()).isEqualTo(8);
      assertThat(model.config().vision().deepstackIndexes()).isEmpty();
      assertThat(model.config().imageTokenId()).isEqualTo(509);
    }
  }

  @Test
  void qwen35ConfigurationsTheEngineCannotRunAreRefused() {
    assertThatThrownBy(() -> qwen35("\"num_hidden_layers\": 2, \"layer_types\": [\"full_attention\"]"))
        .isInstanceOf(VlmqException.class).hasMessageContaining("one type per layer (2)");
    assertThatThrownBy(() -> qwen35("\"head_dim\": 32, \"rope_parameters\": {\"mrope_section\": [8, 4, 4]}"))
        .isInstanceOf(VlmqException.class).hasMessageContaining("summing to head_dim·partial_rotary_factor/2 = 4");
    assertThatThrownBy(() -> qwen35("\"linear_num_key_heads\": 3"))
        .isInstanceOf(VlmqException.class).hasMessageContaining("multiple of linear_num_key_heads (3)");
    assertThatThrownBy(() -> QwenVlConfig.of(ModelConfig.parse("{\"architectures\": "
        + "[\"Qwen3_5MoeForConditionalGeneration\"], \"model_type\": \"qwen3_5_moe\"}", "config.json")))
        .isInstanceOf(VlmqException.class).hasMessageContaining("mixture-of-experts");
  }

  @Test
  void otherFamiliesAreRefusedByName() {
    assertThatThrownBy(() -> QwenVlModel.load(Dump.resource("/fixtures/llava"))).isInstanceOf(VlmqException.class)
        .hasMessageContaining("runs Qwen2-VL, Qwen2.5-VL, Qwen3-VL and Qwen3.5").hasMessageContaining("Llava");
  }

  @Test
  void aMissingTensorIsNamed(@TempDir Path tmp) throws Exception {
    Files.copy(Dump.resource("/fixtures/qwen2_5_vl/config.json"), tmp.resolve("config.json"));
    Files.copy(Dump.resource("/fixtures/qwen2_vl/model.safetensors"), tmp.resolve("model.safetensors"));
    assertThatThrownBy(() -> QwenVlModel.load(tmp)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("has no tensor model.visual.blocks.0.mlp.gate_proj.weight");
  }

  /** Spec §4.3's example: grid (1, 10, 14) → 5×7 merged tokens → windows of 16, 12, 4 and 3. */
  @Test
  void windowsTileFromTheTopLeftInRasterOrder() {
    Windows w = Windows.of(List.of(new GridThw(1, 10, 14)), 2, 4);
    assertThat(w.windowTokens()).containsExactly(16, 12, 4, 3);
    assertThat(w.index()).containsExactly(0, 1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 17, 21, 22, 23, 24, 4, 5, 6, 11, 12,
        13, 18, 19, 20, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34);
    int[][] segments = w.segments(140);
    assertThat(segments[0][63]).isZero();
    assertThat(segments[1][63]).isEqualTo(64);
    assertThat(segments[0][139]).isEqualTo(128);
    assertThat(segments[1][139]).isEqualTo(140);
  }

  /** Spec §5.2's example: 4 text tokens, an image with 5×7 merged tokens, then text again from 11. */
  @Test
  void imagePositionsFollowTheMergedGrid() {
    int[] ids = new int[4 + 35 + 2];
    Arrays.fill(ids, 4, 39, 9);
    var p = MropePositions.of(ids, List.of(new GridThw(1, 10, 14)), 9, 2);
    assertThat(p.rows()[0][4]).isEqualTo(4);
    assertThat(p.rows()[0][38]).isEqualTo(4);
    assertThat(p.rows()[1][38]).isEqualTo(8);
    assertThat(p.rows()[2][38]).isEqualTo(10);
    assertThat(p.rows()[1][39]).isEqualTo(11);
    assertThat(p.ropeDelta()).isEqualTo(12 + 1 - 41);
    assertThatThrownBy(() -> MropePositions.of(Arrays.copyOf(ids, 30), List.of(new GridThw(1, 10, 14)), 9, 2))
        .isInstanceOf(VlmqException.class).hasMessageContaining("needs 35 image_pad tokens");
  }
}
