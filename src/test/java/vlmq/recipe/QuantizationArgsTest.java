package vlmq.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import vlmq.VlmqException;

class QuantizationArgsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static QuantizationArgs parse(String json) throws Exception {
    return RecipeJson.args(MAPPER.readTree(json), "weights");
  }

  @Test
  void infersStrategyFromGroupSizeAsCompressedTensorsDoes() throws Exception {
    assertThat(parse("{}").strategy()).isEqualTo(Strategy.TENSOR);
    assertThat(parse("{\"group_size\": 64}").strategy()).isEqualTo(Strategy.GROUP);
    assertThat(parse("{\"group_size\": -1}").strategy()).isEqualTo(Strategy.CHANNEL);
  }

  @Test
  void infersObserverAndZeroPointDtype() throws Exception {
    assertThat(parse("{}").observer()).isEqualTo("memoryless_minmax");
    assertThat(parse("{\"strategy\": \"token\", \"dynamic\": true, \"observer\": \"minmax\"}").observer()).isNull();
    assertThat(parse("{\"type\": \"float\", \"num_bits\": 4, \"strategy\": \"tensor_group\", \"group_size\": 16,"
        + " \"dynamic\": \"local\"}").observer()).isEqualTo("minmax");
    assertThat(parse("{\"symmetric\": false, \"num_bits\": 4}").zpDtype()).isEqualTo(TorchDType.INT8);
    assertThat(parse("{\"num_bits\": 12}").zpDtype()).isEqualTo(TorchDType.INT16);
    assertThat(parse("{\"type\": \"float\", \"num_bits\": 4, \"group_size\": 16}").zpDtype())
        .isEqualTo(TorchDType.FLOAT8_E4M3FN);
  }

  @Test
  void acceptsCompressedTensorsAlternativeSpellings() throws Exception {
    var a = parse("{\"type\": \"FLOAT\", \"strategy\": \"BLOCK\", \"block_structure\": \"128x64\", \"scale_dtype\": \"bfloat16\"}");
    assertThat(a.blockStructure()).containsExactly(128, 64);
    assertThat(a.scaleDtype()).isEqualTo(TorchDType.BFLOAT16);
    assertThat(parse("{\"group_size\": 128, \"actorder\": true}").actorder()).isEqualTo(ActOrder.GROUP);
    assertThat(parse("{\"group_size\": 128, \"actorder\": false}").actorder()).isNull();
    assertThat(parse("{\"actorder\": \"static\"}").actorder()).isEqualTo(ActOrder.STATIC);
  }

  @Test
  void rejectsWhatCompressedTensorsRejects() {
    assertThatThrownBy(() -> parse("{\"strategy\": \"token\"}")).isInstanceOf(VlmqException.class)
        .hasMessageContaining("token");
    assertThatThrownBy(() -> parse("{\"strategy\": \"group\"}")).hasMessageContaining("group_size");
    assertThatThrownBy(() -> parse("{\"strategy\": \"channel\", \"group_size\": 32}")).hasMessageContaining("group_size");
    assertThatThrownBy(() -> parse("{\"strategy\": \"block\"}")).hasMessageContaining("block_structure");
    assertThatThrownBy(() -> parse("{\"block_structure\": [128, 128]}")).hasMessageContaining("block");
    assertThatThrownBy(() -> parse("{\"strategy\": \"channel\", \"actorder\": \"group\"}")).hasMessageContaining("actorder");
    assertThatThrownBy(() -> parse("{\"strategy\": \"channel\", \"dynamic\": true}")).hasMessageContaining("dynamic");
    assertThatThrownBy(() -> parse("{\"group_size\": 16, \"dynamic\": \"local\"}")).hasMessageContaining("local");
    assertThatThrownBy(() -> parse("{\"group_size\": -2}")).hasMessageContaining("group_size");
    assertThatThrownBy(() -> parse("{\"num_bit\": 4}")).hasMessageContaining("unknown key 'num_bit'");
    assertThatThrownBy(() -> parse("{\"scale_dtype\": \"torch.float4\"}")).hasMessageContaining("scale_dtype");
  }

  @Test
  void schemeRejectsActorderOnActivationsAndMixedPrecision() throws Exception {
    JsonNode bad = MAPPER.readTree("{\"targets\": [\"Linear\"], \"input_activations\": "
        + "{\"strategy\": \"channel\"}}");
    assertThatThrownBy(() -> RecipeJson.scheme(bad, "config_groups.group_0"))
        .hasMessageStartingWith("config_groups.group_0").hasMessageContaining("input activations");
    JsonNode mixed = MAPPER.readTree("{\"targets\": [\"Linear\"], \"format\": \"mixed-precision\"}");
    assertThatThrownBy(() -> RecipeJson.scheme(mixed, "g")).hasMessageContaining("mixed-precision");
  }

  @Test
  void explicitFormatWinsOverInference() {
    var scheme = Preset.W4AFP8.scheme(java.util.List.of("Linear"));
    assertThat(CompressionFormat.infer(scheme)).isEqualTo(CompressionFormat.INT_QUANTIZED);
    assertThat(CompressionFormat.infer(scheme.withFormat(CompressionFormat.PACK_QUANTIZED)))
        .isEqualTo(CompressionFormat.PACK_QUANTIZED);
    var fp8WeightOnly = new QuantizationScheme(java.util.List.of("Linear"), Preset.FP8_DYNAMIC.weights(), null, null, null);
    assertThat(CompressionFormat.infer(fp8WeightOnly)).isEqualTo(CompressionFormat.NAIVE_QUANTIZED);
  }
}
