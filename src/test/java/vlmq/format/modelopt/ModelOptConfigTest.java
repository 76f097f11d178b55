package vlmq.format.modelopt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.VlmqException;
import vlmq.numeric.DType;

class ModelOptConfigTest {
  @TempDir Path dir;

  /** hf_quant_config.json as ModelOpt 0.33.1 writes it for FP8 + FP8 KV (engine-loading-rules §4.1). */
  private static final String HF_FP8 = """
      {"producer": {"name": "modelopt", "version": "0.33.1"},
       "quantization": {"quant_algo": "FP8", "kv_cache_quant_algo": "FP8",
                        "exclude_modules": ["lm_head", "model.visual*"]}}
      """;

  /** The converted config.json form of 0.33.1: 'ignore', string kv_cache_scheme, no targets. */
  private static final String CONFIG_033 = """
      {"architectures": ["Qwen2_5_VLForConditionalGeneration"],
       "quantization_config": {"quant_method": "modelopt", "quant_algo": "FP8", "kv_cache_scheme": "FP8",
         "ignore": ["lm_head", "model.visual*"], "producer": {"name": "modelopt", "version": "0.33.1"},
         "config_groups": {"group_0": {"input_activations": {"dynamic": false, "num_bits": 8, "type": "float"},
                                       "weights": {"dynamic": false, "num_bits": 8, "type": "float"}}}}}
      """;

  private void write(String name, String text) throws IOException {
    Files.writeString(dir.resolve(name), text);
  }

  @Test
  void readsTheNestedHfQuantConfig() throws IOException {
    write("hf_quant_config.json", HF_FP8);
    var cfg = ModelOptConfig.read(dir).orElseThrow();
    assertThat(cfg.source()).isEqualTo(ModelOptConfig.Source.HF_QUANT_CONFIG);
    assertThat(cfg.algo()).contains(QuantAlgo.FP8);
    assertThat(cfg.kvCacheQuantAlgo()).contains("FP8");
    assertThat(cfg.exclusions()).containsExactly("lm_head", "model.visual*");
    assertThat(cfg.ignore()).isEmpty();
    assertThat(cfg.producerVersion()).isEqualTo("0.33.1");
    assertThat(cfg.groupSize()).isEqualTo(OptionalInt.empty());
    assertThat(cfg.keys()).contains("quant_algo", "kv_cache_quant_algo", "exclude_modules");
  }

  @Test
  void configJsonWinsAndReadsIgnoreAndStringKvScheme() throws IOException {
    write("hf_quant_config.json", HF_FP8);
    write("config.json", CONFIG_033);
    var cfg = ModelOptConfig.read(dir).orElseThrow();
    assertThat(cfg.source()).isEqualTo(ModelOptConfig.Source.CONFIG_JSON);
    assertThat(cfg.ignore()).contains(List.of("lm_head", "model.visual*"));
    assertThat(cfg.excludeModules()).isEmpty();
    assertThat(cfg.exclusions()).containsExactly("lm_head", "model.visual*");
    assertThat(cfg.kvCacheQuantAlgo()).contains("FP8");
    assertThat(ModelOptConfig.readHfQuantConfig(dir)).isPresent();
  }

  @Test
  void laterConfigJsonFormHasAnObjectKvSchemeAndGroupSizeInTheGroup() throws IOException {
    write("config.json", """
        {"quantization_config": {"quant_method": "modelopt", "quant_algo": "nvfp4",
          "kv_cache_scheme": {"dynamic": false, "num_bits": 8, "type": "float"},
          "config_groups": {"group_0": {"weights": {"num_bits": 4, "type": "float", "group_size": 16},
                                        "targets": ["Linear"]}},
          "ignore": ["lm_head"], "exclude_modules": ["lm_head"]}}
        """);
    var cfg = ModelOptConfig.read(dir).orElseThrow();
    assertThat(cfg.algo()).contains(QuantAlgo.NVFP4);
    assertThat(cfg.quantAlgo()).contains("nvfp4");
    assertThat(cfg.kvCacheQuantAlgo()).contains("FP8");
    assertThat(cfg.groupSize()).hasValue(16);
    assertThat(cfg.excludeModules()).contains(List.of("lm_head"));
  }

  @Test
  void otherQuantMethodsAndEmptyFoldersAreNotModelOpt() throws IOException {
    assertThat(ModelOptConfig.read(dir)).isEmpty();
    write("config.json", "{\"quantization_config\": {\"quant_method\": \"compressed-tensors\"}}");
    assertThat(ModelOptConfig.read(dir)).isEmpty();
  }

  @Test
  void kvOnlyExportHasNoAlgo() throws IOException {
    write("hf_quant_config.json", """
        {"producer": {"name": "modelopt", "version": "0.39.0"},
         "quantization": {"quant_algo": null, "kv_cache_quant_algo": "FP8", "exclude_modules": []}}
        """);
    var cfg = ModelOptConfig.read(dir).orElseThrow();
    assertThat(cfg.quantAlgo()).isEmpty();
    assertThat(cfg.algo()).isEmpty();
  }

  @Test
  void mixedPrecisionListsEachLayersAlgo() throws IOException {
    write("hf_quant_config.json", """
        {"quantization": {"quant_algo": "MIXED_PRECISION", "kv_cache_quant_algo": null, "exclude_modules": [],
          "quantized_layers": {"model.layers.0.mlp.down_proj": {"quant_algo": "FP8"},
                               "model.layers.0.self_attn.q_proj": {"quant_algo": "NVFP4", "group_size": 16}}}}
        """);
    var cfg = ModelOptConfig.read(dir).orElseThrow();
    assertThat(cfg.quantizedLayers()).containsEntry("model.layers.0.mlp.down_proj", "FP8")
        .containsEntry("model.layers.0.self_attn.q_proj", "NVFP4");
  }

  @Test
  void malformedValuesCarryVllmsMessage() throws IOException {
    write("hf_quant_config.json", "{\"quantization\": {\"quant_algo\": \"FP8\", \"exclude_modules\": \"lm_head\"}}");
    assertThatThrownBy(() -> ModelOptConfig.read(dir)).isInstanceOf(ModelOptConfigException.class)
        .satisfies(e -> assertThat(((ModelOptConfigException) e).engineMessage())
            .isEqualTo("ValueError: exclude_modules must be a list, got <class 'str'>"));
    write("hf_quant_config.json", "{\"quantization\": \"FP8\"}");
    assertThatThrownBy(() -> ModelOptConfig.read(dir))
        .hasMessageContaining("Expected 'quantization' to be a dictionary in config");
    write("hf_quant_config.json", "{\"quantization\": {\"quant_algo\": \"NVFP4\", \"group_size\": \"sixteen\"}}");
    assertThatThrownBy(() -> ModelOptConfig.read(dir))
        .hasMessageContaining("group_size must be an integer, got <class 'str'>");
    write("hf_quant_config.json", "{\"quantization\": {\"quant_algo\": \"FP8\", \"kv_cache_quant_algo\": 8}}");
    assertThatThrownBy(() -> ModelOptConfig.read(dir))
        .hasMessageContaining("kv_cache_quant_algo must be a string, got <class 'int'>");
    write("hf_quant_config.json", "{\"quantization\": {");
    assertThatThrownBy(() -> ModelOptConfig.read(dir)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("hf_quant_config.json").hasMessageContaining("JSONDecodeError");
  }

  @Test
  void numericStringGroupSizeIsAcceptedAsVllmDoes() throws IOException {
    write("hf_quant_config.json", "{\"quantization\": {\"quant_algo\": \"NVFP4\", \"group_size\": \"16\"}}");
    assertThat(ModelOptConfig.read(dir).orElseThrow().groupSize()).hasValue(16);
  }

  @Test
  void tensorLayoutsFollowTheExportFormat() {
    var fp8 = ModelOptTensors.linear(QuantAlgo.FP8, 64, 128).orElseThrow();
    assertThat(fp8).extracting(ModelOptTensor::describe)
        .containsExactly("weight F8_E4M3 [64, 128]", "weight_scale F32 []", "input_scale F32 []");
    var nvfp4 = ModelOptTensors.linear(QuantAlgo.NVFP4, 64, 128).orElseThrow();
    assertThat(nvfp4).extracting(ModelOptTensor::describe).containsExactly("weight U8 [64, 64]",
        "weight_scale F8_E4M3 [64, 8]", "weight_scale_2 F32 []", "input_scale F32 []");
    assertThat(ModelOptTensors.linear(QuantAlgo.FP8_PB_WO, 300, 256).orElseThrow().get(1).shape())
        .containsExactly(3, 1, 2, 1);
    assertThat(ModelOptTensors.linear(QuantAlgo.INT8_SQ, 64, 64)).isEmpty();
    assertThat(nvfp4.get(2).matchesShape(new long[] {1})).isTrue();
    assertThat(nvfp4.get(2).matchesShape(new long[] {2})).isFalse();
    assertThat(nvfp4.get(0).dtype()).isEqualTo(DType.U8);
    assertThat(ModelOptTensors.kvScales("model.layers.3.self_attn"))
        .containsExactly("model.layers.3.self_attn.k_proj.k_scale", "model.layers.3.self_attn.v_proj.v_scale");
    assertThat(ModelOptTensors.isAttentionParam("visual.blocks.0.attn.k_proj.k_scale")).isTrue();
    assertThat(ModelOptTensors.isAttentionParam("visual.blocks.0.attn.qkv.weight_scale")).isFalse();
  }

  @Test
  void algosParseCaseInsensitively() {
    assertThat(QuantAlgo.parse("fp8_pb_wo")).contains(QuantAlgo.FP8_PB_WO);
    assertThat(QuantAlgo.parse("W4A16_NVFP4").orElseThrow().isNvfp4()).isTrue();
    assertThat(QuantAlgo.parse("INT3")).isEmpty();
  }
}
