package vlmq.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vlmq.VlmqException;

class PresetTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  static JsonNode golden(String name) throws IOException {
    try (InputStream in = PresetTest.class.getResourceAsStream("/quant/golden/" + name)) {
      return MAPPER.readTree(in);
    }
  }

  @Test
  void fp8DynamicConfigGroupMatchesTheSpecsLiteralExample() throws IOException {
    var scheme = Preset.FP8_DYNAMIC.scheme(List.of("Linear")).withInferredFormat();
    assertThat(RecipeJson.toJson(scheme)).isEqualTo(golden("fp8-dynamic-group.json"));
  }

  @Test
  void gptqW4a16ConfigGroupMatchesTheSpecsLiteralExample() throws IOException {
    var preset = Preset.W4A16.scheme(List.of("Linear"));
    var gptq = new QuantizationScheme(preset.targets(), preset.weights().toBuilder().actorder(ActOrder.STATIC).build(),
        null, null, null).withInferredFormat();
    assertThat(RecipeJson.toJson(gptq)).isEqualTo(golden("w4a16-gptq-group.json"));
  }

  @Test
  void keysAreWrittenSortedAsJsonDumpSortKeysDoes() {
    for (Preset p : Preset.values()) {
      JsonNode group = RecipeJson.toJson(p.scheme(List.of("Linear")).withInferredFormat());
      assertSorted(group);
      assertSorted(group.get("weights"));
      if (p.inputActivations() != null) assertSorted(group.get("input_activations"));
    }
  }

  private static void assertSorted(JsonNode node) {
    List<String> keys = new ArrayList<>();
    node.fieldNames().forEachRemaining(keys::add);
    assertThat(keys).isSorted().hasSizeGreaterThanOrEqualTo(5);
  }

  /** Preset rows of spec §1.6 (CT 0.18 PRESET_SCHEMES): strategy, bits, type, format, calibration need. */
  static Stream<Arguments> presetTable() {
    return Stream.of(
        Arguments.of("fp8", "FLOAT", 8, "tensor", null, "float-quantized", true),
        Arguments.of("FP8_DYNAMIC", "FLOAT", 8, "channel", null, "float-quantized", false),
        Arguments.of("FP8_BLOCK", "FLOAT", 8, "block", null, "float-quantized", false),
        Arguments.of("W8A8", "INT", 8, "channel", null, "int-quantized", false),
        Arguments.of("int8", "INT", 8, "channel", null, "int-quantized", false),
        Arguments.of("W8A16", "INT", 8, "group", 128, "pack-quantized", false),
        Arguments.of("W4A16", "INT", 4, "group", 128, "pack-quantized", false),
        Arguments.of("w4a16_asym", "INT", 4, "group", 128, "pack-quantized", false),
        Arguments.of("W4A8", "INT", 4, "group", 128, "int-quantized", false),
        Arguments.of("W4AFP8", "INT", 4, "group", 128, "int-quantized", false),
        Arguments.of("NVFP4A16", "FLOAT", 4, "tensor_group", 16, "nvfp4-pack-quantized", false),
        Arguments.of("NVFP4", "FLOAT", 4, "tensor_group", 16, "nvfp4-pack-quantized", true),
        Arguments.of("MXFP4A16", "FLOAT", 4, "group", 32, "mxfp4-pack-quantized", false),
        Arguments.of("MXFP4", "FLOAT", 4, "group", 32, "mxfp4-pack-quantized", false),
        Arguments.of("MXFP8A16", "FLOAT", 8, "group", 32, "mxfp8-quantized", false),
        Arguments.of("MXFP8", "FLOAT", 8, "group", 32, "mxfp8-quantized", false));
  }

  @ParameterizedTest
  @MethodSource("presetTable")
  void presetsCarryCompressedTensorsArguments(String name, String type, int bits, String strategy, Integer groupSize,
      String format, boolean calibration) {
    Preset p = Preset.byName(name);
    JsonNode w = RecipeJson.toJson(p.weights());
    assertThat(w.get("type").asText()).isEqualTo(type.toLowerCase());
    assertThat(w.get("num_bits").asInt()).isEqualTo(bits);
    assertThat(w.get("strategy").asText()).isEqualTo(strategy);
    assertThat(w.get("group_size").isNull() ? null : w.get("group_size").asInt()).isEqualTo(groupSize);
    assertThat(w.get("observer").asText()).isEqualTo("memoryless_minmax");
    assertThat(w.get("dynamic").asBoolean()).isFalse();
    assertThat(w.get("actorder").isNull()).isTrue();
    assertThat(p.format().json()).isEqualTo(format);
    assertThat(p.needsCalibration()).isEqualTo(calibration);
  }

  @Test
  void asymmetricW4a16WritesItsZeroPointDtype() {
    JsonNode w = RecipeJson.toJson(Preset.W4A16_ASYM.weights());
    assertThat(w.get("symmetric").asBoolean()).isFalse();
    assertThat(w.get("zp_dtype").asText()).isEqualTo("torch.int8");
  }

  @Test
  void nvfp4ArgsMatchSpecSection19() {
    JsonNode w = RecipeJson.toJson(Preset.NVFP4.weights());
    assertThat(w.get("scale_dtype").asText()).isEqualTo("torch.float8_e4m3fn");
    assertThat(w.get("zp_dtype").isNull()).isTrue();
    JsonNode in = RecipeJson.toJson(Preset.NVFP4.inputActivations());
    assertThat(in.get("dynamic").asText()).isEqualTo("local");
    assertThat(in.get("observer").asText()).isEqualTo("static_minmax");
    assertThat(in.get("strategy").asText()).isEqualTo("tensor_group");
    assertThat(RecipeJson.toJson(Preset.FP8.inputActivations()).get("observer").asText()).isEqualTo("static_minmax");
    assertThat(RecipeJson.toJson(Preset.FP8_BLOCK.inputActivations()).get("group_size").asInt()).isEqualTo(128);
    assertThat(RecipeJson.toJson(Preset.MXFP4.inputActivations()).get("observer").isNull()).isTrue();
    assertThat(RecipeJson.toJson(Preset.MXFP4A16.weights()).get("scale_dtype").asText()).isEqualTo("torch.uint8");
  }

  @Test
  void unknownPresetNamesListTheKnownOnes() {
    assertThatThrownBy(() -> Preset.byName("W3A16")).isInstanceOf(VlmqException.class)
        .hasMessageContaining("W3A16").hasMessageContaining("FP8_DYNAMIC");
  }

  /** Symmetric zp_dtype is written as null, so re-reading may infer another one (as in CT); the JSON is stable. */
  @Test
  void roundTripsThroughJsonForEveryPreset() {
    for (Preset p : Preset.values()) {
      var json = RecipeJson.toJson(p.scheme(List.of("Linear", "re:.*mlp.*")).withInferredFormat());
      var back = RecipeJson.scheme(json, "config_groups.group_0");
      assertThat(RecipeJson.toJson(back)).as(p.name()).isEqualTo(json);
    }
  }
}
