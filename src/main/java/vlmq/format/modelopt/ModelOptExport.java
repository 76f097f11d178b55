package vlmq.format.modelopt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import vlmq.VlmqException;
import vlmq.io.PythonJson;

/**
 * The two config files of a ModelOpt checkpoint as vlmq writes them (engine-loading-rules §4.1, producer rule P4):
 * {@code hf_quant_config.json} in ModelOpt's nested form and config.json's converted {@code quantization_config}
 * ({@code quant_method "modelopt"}), one exclusion list under {@code exclude_modules} (read by hf_quant_config.json
 * readers and by vLLM before #25706) and {@code ignore} (vLLM since then) in both.
 *
 * <p>{@code producer.name} is {@code "modelopt"} because readers use it as the format's tag: TensorRT-LLM refuses any
 * other producer, and vLLM before 0.11 picks its ModelOpt loader from it; {@code producer.version} is the ModelOpt
 * release whose export format is reproduced. That vlmq wrote the files is said in a separate {@code vlmq} object,
 * which every reader ignores. In config.json that object also keeps the compressed-tensors
 * {@code quantization_config} of the same tensors, so {@code vlmq convert --to compressed-tensors} restores it exactly.
 */
public record ModelOptExport(ObjectNode hfQuantConfig, ObjectNode quantizationConfig) {
  /** The ModelOpt release whose unified HF export (real module names in exclusions) vlmq writes. */
  public static final String FORMAT_VERSION = "0.39.0";
  static final String VLMQ = "vlmq";
  static final String COMPRESSED_TENSORS = "compressed_tensors";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code producer.version} and what the {@code vlmq} object says about who made the checkpoint. */
  public record Producer(String version, String note) {
    /** Tensors and configs written by vlmq. */
    public static final Producer VLMQ = new Producer(FORMAT_VERSION, "written by vlmq in NVIDIA ModelOpt's checkpoint"
        + " format (not by ModelOpt); producer names the format for the readers that require it");

    /** A ModelOpt export (of {@code version}, if known) whose configs or tensors vlmq repaired. */
    public static Producer repaired(String version) {
      return new Producer(version.isEmpty() ? FORMAT_VERSION : version, "exported by ModelOpt"
          + (version.isEmpty() ? "" : " " + version) + "; configs (and tensors where listed by vlmq repair) rewritten"
          + " by vlmq");
    }
  }

  /** Files for a checkpoint vlmq writes ({@link Producer#VLMQ}). */
  public static ModelOptExport of(QuantAlgo algo, Optional<String> kvCacheQuantAlgo, List<String> exclusions,
      JsonNode compressedTensors) {
    return of(algo, kvCacheQuantAlgo, exclusions, Producer.VLMQ, compressedTensors);
  }

  /**
   * @param kvCacheQuantAlgo {@code FP8} when the checkpoint carries KV-cache scales, else empty
   * @param exclusions from {@link ExclusionList#of}
   * @param compressedTensors the compressed-tensors {@code quantization_config} of the same tensors, kept under
   *     {@code vlmq.compressed_tensors}; null when there is none (a checkpoint exported by ModelOpt)
   */
  public static ModelOptExport of(QuantAlgo algo, Optional<String> kvCacheQuantAlgo, List<String> exclusions,
      Producer producer, JsonNode compressedTensors) {
    var hf = JSON.createObjectNode();
    producer(hf, producer);
    var q = hf.putObject("quantization");
    q.put("quant_algo", algo.name());
    kvCacheQuantAlgo.ifPresentOrElse(kv -> q.put("kv_cache_quant_algo", kv), () -> q.putNull("kv_cache_quant_algo"));
    exclusions.forEach(q.putArray("exclude_modules")::add);
    if (algo.isNvfp4()) q.put("group_size", ModelOptTensors.NVFP4_GROUP);
    hf.putObject(VLMQ).put("note", producer.note());

    var c = JSON.createObjectNode();
    configGroup(algo).ifPresent(group -> c.putObject("config_groups").set("group_0", group));
    exclusions.forEach(c.putArray("exclude_modules")::add);
    exclusions.forEach(c.putArray("ignore")::add);
    if (algo.isNvfp4()) c.put("group_size", ModelOptTensors.NVFP4_GROUP);
    kvCacheQuantAlgo.ifPresent(kv -> c.putObject("kv_cache_scheme").put("dynamic", false).put("num_bits", 8)
        .put("type", "float"));
    producer(c, producer);
    c.put("quant_algo", algo.name());
    c.put("quant_method", "modelopt");
    var vlmq = c.putObject(VLMQ);
    vlmq.put("note", producer.note());
    if (compressedTensors != null) vlmq.set(COMPRESSED_TENSORS, compressedTensors.deepCopy());
    return new ModelOptExport(hf, c);
  }

  /**
   * The compressed-tensors {@code quantization_config} vlmq kept in a ModelOpt {@code quantization_config}, if any.
   */
  public static Optional<JsonNode> compressedTensors(JsonNode modelOptQuantizationConfig) {
    var node = modelOptQuantizationConfig.path(VLMQ).path(COMPRESSED_TENSORS);
    return node.isObject() ? Optional.of(node) : Optional.empty();
  }

  /**
   * Writes {@code hf_quant_config.json} and {@code config.json} (the {@code sourceConfig} tree with this
   * {@code quantization_config}) into {@code dir}, as Python's {@code json.dumps(indent=2, sort_keys=True)}.
   */
  public void write(Path dir, JsonNode sourceConfig) {
    var config = sourceConfig.deepCopy();
    ((ObjectNode) config).set("quantization_config", quantizationConfig);
    writeJson(dir.resolve("config.json"), config);
    writeJson(dir.resolve(ModelOptConfig.HF_QUANT_CONFIG_FILE), hfQuantConfig);
  }

  /**
   * The {@code group_0} ModelOpt's {@code convert_hf_quant_config_format} writes for the algos it converts (FP8,
   * NVFP4, W4A16_NVFP4); it writes none for the others.
   */
  private static Optional<ObjectNode> configGroup(QuantAlgo algo) {
    var group = JSON.createObjectNode();
    switch (algo) {
      case FP8 -> {
        args(group.putObject("input_activations"), 8, null);
        args(group.putObject("weights"), 8, null);
      }
      case NVFP4 -> {
        args(group.putObject("input_activations"), 4, ModelOptTensors.NVFP4_GROUP);
        args(group.putObject("weights"), 4, ModelOptTensors.NVFP4_GROUP);
      }
      case W4A16_NVFP4 -> args(group.putObject("weights"), 4, ModelOptTensors.NVFP4_GROUP);
      default -> {
        return Optional.empty();
      }
    }
    group.putArray("targets").add("Linear");
    return Optional.of(group);
  }

  private static void args(ObjectNode node, int bits, Integer groupSize) {
    node.put("dynamic", false).put("num_bits", bits).put("type", "float");
    if (groupSize != null) node.put("group_size", groupSize);
  }

  private static void producer(ObjectNode node, Producer producer) {
    node.putObject("producer").put("name", "modelopt").put("version", producer.version());
  }

  private static void writeJson(Path file, JsonNode node) {
    try {
      Files.writeString(file, PythonJson.dumps(node) + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new VlmqException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
