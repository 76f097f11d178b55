package vlmq.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import vlmq.format.modelopt.ModelOptConfig;
import vlmq.format.modelopt.ModelOptConfigException;
import vlmq.format.modelopt.QuantAlgo;
import vlmq.model.ModelConfig;

/**
 * Which quantization config vLLM uses and what it says (engine-loading-rules §2): {@code config.json}'s
 * {@code quantization_config}, else {@code compression_config}, else the text config's, else
 * {@code hf_quant_config.json}; {@code quant_method} lower-cased, {@code compressed_tensors} spelled with a dash, and a
 * ModelOpt dict without a method labelled {@code modelopt}/{@code modelopt_fp4} by its algo.
 *
 * @param method the normalized method, {@code none} when the checkpoint declares no quantization
 * @param origin where the effective dict came from
 * @param node the effective dict (missing when none)
 * @param modelopt the effective ModelOpt settings, when the method is a ModelOpt one and they parse
 * @param hfQuantConfig {@code hf_quant_config.json}, whether effective or not
 * @param configJsonModelOpt config.json's ModelOpt form, whether effective or not
 * @param ct the effective compressed-tensors config
 * @param problems vLLM's messages for the effective config where it cannot parse it
 */
record QuantSetup(String method, String origin, JsonNode node, Optional<ModelOptConfig> modelopt,
    Optional<ModelOptConfig> hfQuantConfig, Optional<ModelOptConfig> configJsonModelOpt, Optional<CtConfig> ct,
    List<String> problems) {

  static final String NONE = "none";

  static QuantSetup read(Path dir, ModelConfig config) {
    var hfProblems = new ArrayList<String>();
    var problems = new ArrayList<String>();
    var hf = modelOpt(() -> ModelOptConfig.readHfQuantConfig(dir), hfProblems);
    var root = config.root();
    JsonNode node = MissingNode.getInstance();
    String origin = "none";
    if (root.path("quantization_config").isObject()) {
      node = root.path("quantization_config");
      origin = "config.json quantization_config";
    } else if (root.path("compression_config").isObject()) {
      node = root.path("compression_config");
      origin = "config.json compression_config";
    } else if (root.path("text_config").path("quantization_config").isObject()) {
      node = root.path("text_config").path("quantization_config");
      origin = "config.json text_config.quantization_config";
    }
    var effective = node;
    Optional<ModelOptConfig> fromConfig = ModelOptConfig.isModelOpt(node)
        ? modelOpt(() -> Optional.of(ModelOptConfig.parse(effective, ModelOptConfig.Source.CONFIG_JSON,
            dir.resolve("config.json"))), problems)
        : Optional.empty();
    if (node.isMissingNode() && hf.isPresent()) {
      var method = modelOptMethod(hf.get());
      return new QuantSetup(method, ModelOptConfig.HF_QUANT_CONFIG_FILE, MissingNode.getInstance(), hf, hf,
          fromConfig, Optional.empty(), List.copyOf(problems));
    }
    if (node.isMissingNode() && hfProblems.isEmpty()) {
      return new QuantSetup(NONE, origin, node, Optional.empty(), hf, fromConfig, Optional.empty(), List.of());
    }
    if (node.isMissingNode()) { // hf_quant_config.json exists but is malformed
      return new QuantSetup("modelopt", ModelOptConfig.HF_QUANT_CONFIG_FILE, node, Optional.empty(), hf, fromConfig,
          Optional.empty(), List.copyOf(hfProblems));
    }
    var method = normalize(node.path("quant_method").asText(""));
    if (ModelOptConfig.isModelOpt(node)) {
      method = fromConfig.map(QuantSetup::modelOptMethod).orElse(method.isEmpty() ? "modelopt" : method);
    }
    Optional<CtConfig> ct = method.equals("compressed-tensors") ? Optional.of(CtConfig.parse(node)) : Optional.empty();
    return new QuantSetup(method.isEmpty() ? "(missing quant_method)" : method, origin, node,
        ModelOptConfig.isModelOpt(node) ? fromConfig : Optional.empty(), hf, fromConfig, ct, List.copyOf(problems));
  }

  boolean isModelOpt() {
    return method.startsWith("modelopt");
  }

  boolean isCompressedTensors() {
    return method.equals("compressed-tensors");
  }

  boolean isGptqFamily() {
    return method.startsWith("gptq") || method.startsWith("awq") || method.equals("moe_wna16");
  }

  boolean quantized() {
    return !method.equals(NONE);
  }

  /** vLLM's label for a ModelOpt config: NVFP4 algos go to {@code modelopt_fp4}. */
  private static String modelOptMethod(ModelOptConfig config) {
    return config.algo().filter(QuantAlgo::isNvfp4).isPresent() ? "modelopt_fp4" : "modelopt";
  }

  private static String normalize(String method) {
    var m = method.trim().toLowerCase(Locale.ROOT);
    return m.equals("compressed_tensors") ? "compressed-tensors" : m;
  }

  private interface Reader {
    Optional<ModelOptConfig> read();
  }

  private static Optional<ModelOptConfig> modelOpt(Reader reader, List<String> problems) {
    try {
      return reader.read();
    } catch (ModelOptConfigException e) {
      problems.add(e.engineMessage());
      return Optional.empty();
    }
  }
}
