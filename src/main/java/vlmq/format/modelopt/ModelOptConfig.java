package vlmq.format.modelopt;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import vlmq.VlmqException;

/**
 * The ModelOpt quantization settings of a checkpoint, from either place ModelOpt writes them (engine-loading-rules
 * §4.1): the legacy nested {@code hf_quant_config.json} ({@code {"producer":…, "quantization":{"quant_algo":…,
 * "exclude_modules":[…]}}}) or the converted flat {@code config.json} {@code quantization_config} with
 * {@code quant_method "modelopt"} (exclusions under {@code ignore}). Values are kept as written, so a checker can
 * tell which key each engine version reads; malformed values are refused with vLLM's own error text.
 *
 * @param quantAlgo {@code quant_algo} as written; empty when absent or null (a KV-cache-only export)
 * @param kvCacheQuantAlgo the KV-cache algo upper-cased ({@code FP8}, {@code NVFP4}); from {@code kv_cache_quant_algo}
 *     or, in the config.json form, {@code kv_cache_scheme} (the 0.33.1 string or the later {@code {type: float,
 *     num_bits: 8}} object)
 * @param excludeModules the {@code exclude_modules} list, when the key is present
 * @param ignore the {@code ignore} list of the config.json form, when present
 * @param groupSize {@code group_size} (NVFP4 and AWQ algos); in the config.json form also read from
 *     {@code config_groups.group_0.weights}
 * @param keys the keys present in the dict holding {@code quant_algo} (vLLM requires some for NVFP4)
 * @param quantizedLayers for {@code MIXED_PRECISION}: layer name → its {@code quant_algo}
 */
public record ModelOptConfig(
    Source source,
    Path file,
    Optional<String> quantAlgo,
    Optional<String> kvCacheQuantAlgo,
    Optional<List<String>> excludeModules,
    Optional<List<String>> ignore,
    OptionalInt groupSize,
    String producerName,
    String producerVersion,
    Set<String> keys,
    Map<String, String> quantizedLayers) {

  /** Where the settings were read from. */
  public enum Source {
    HF_QUANT_CONFIG("hf_quant_config.json"),
    CONFIG_JSON("config.json quantization_config");

    private final String label;

    Source(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  public static final String HF_QUANT_CONFIG_FILE = "hf_quant_config.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  public ModelOptConfig {
    excludeModules = excludeModules.map(List::copyOf);
    ignore = ignore.map(List::copyOf);
    keys = Set.copyOf(keys);
    quantizedLayers = Map.copyOf(quantizedLayers);
  }

  /**
   * The ModelOpt settings of a model folder as current vLLM picks them: {@code config.json}'s
   * {@code quantization_config} when it is a ModelOpt one, else {@code hf_quant_config.json}; empty when the folder
   * has neither.
   *
   * @throws ModelOptConfigException when the chosen settings are malformed (vLLM's message inside)
   * @throws VlmqException when a file cannot be read
   */
  public static Optional<ModelOptConfig> read(Path dir) {
    var fromConfig = fromConfigJson(dir);
    return fromConfig.isPresent() ? fromConfig : readHfQuantConfig(dir);
  }

  /** The nested {@code hf_quant_config.json}, if the folder has one. */
  public static Optional<ModelOptConfig> readHfQuantConfig(Path dir) {
    var file = dir.resolve(HF_QUANT_CONFIG_FILE);
    if (!Files.isRegularFile(file)) return Optional.empty();
    var root = readJson(file);
    if (!root.isObject()) throw new ModelOptConfigException(file, "ValueError: the file must hold a JSON object");
    return Optional.of(parse(root, Source.HF_QUANT_CONFIG, file));
  }

  /** {@code config.json}'s {@code quantization_config} if it is a ModelOpt one ({@code quant_method modelopt…}). */
  public static Optional<ModelOptConfig> fromConfigJson(Path dir) {
    var file = dir.resolve("config.json");
    if (!Files.isRegularFile(file)) return Optional.empty();
    var quantization = readJson(file).path("quantization_config");
    if (!isModelOpt(quantization)) return Optional.empty();
    return Optional.of(parse(quantization, Source.CONFIG_JSON, file));
  }

  /**
   * True for a {@code quantization_config} dict vLLM hands to its ModelOpt classes: {@code quant_method} starting
   * with {@code modelopt}, or no method but {@code producer.name == "modelopt"} (the nested form copied in).
   */
  public static boolean isModelOpt(JsonNode quantizationConfig) {
    if (!quantizationConfig.isObject()) return false;
    var method = quantizationConfig.path("quant_method");
    if (method.isTextual()) return method.asText().toLowerCase(Locale.ROOT).startsWith("modelopt");
    return quantizationConfig.path("producer").path("name").asText("").equals("modelopt");
  }

  /**
   * Parses either form, validating as vLLM's {@code ModelOptQuantConfigBase.from_config} does: the nested form when a
   * {@code quantization} key is present, the flat config.json form otherwise.
   */
  public static ModelOptConfig parse(JsonNode root, Source source, Path file) {
    var producer = root.path("producer");
    var producerName = producer.path("name").asText("");
    var producerVersion = producer.path("version").asText("");
    JsonNode q;
    Optional<String> kv;
    OptionalInt groupSize;
    if (root.has("quantization")) {
      q = root.get("quantization");
      if (!q.isObject()) throw new ModelOptConfigException(file,
          "ValueError: Expected 'quantization' to be a dictionary in config");
      kv = kvAlgo(q.get("kv_cache_quant_algo"), file);
      groupSize = groupSize(q.get("group_size"), file);
    } else {
      q = root;
      var scheme = q.get("kv_cache_scheme");
      kv = scheme != null && scheme.isObject()
          ? (scheme.path("type").asText("").equals("float") && scheme.path("num_bits").asInt(0) == 8
              ? Optional.of("FP8") : Optional.empty())
          : kvAlgo(scheme != null ? scheme : q.get("kv_cache_quant_algo"), file);
      var declared = q.get("group_size");
      groupSize = declared != null && !declared.isNull() ? groupSize(declared, file)
          : groupSize(q.path("config_groups").path("group_0").path("weights").get("group_size"), file);
    }
    var algo = q.get("quant_algo");
    Optional<String> quantAlgo = algo == null || algo.isNull() ? Optional.empty() : Optional.of(algo.asText());
    var keys = new LinkedHashSet<String>();
    q.fieldNames().forEachRemaining(keys::add);
    var layers = new LinkedHashMap<String, String>();
    q.path("quantized_layers").properties().forEach(e ->
        layers.put(e.getKey(), e.getValue().path("quant_algo").asText("")));
    return new ModelOptConfig(source, file, quantAlgo, kv, stringList(q, "exclude_modules", file),
        source == Source.CONFIG_JSON ? stringList(q, "ignore", file) : Optional.empty(), groupSize, producerName,
        producerVersion, keys, layers);
  }

  /** The algo, when {@code quant_algo} names one ModelOpt writes. */
  public Optional<QuantAlgo> algo() {
    return quantAlgo.flatMap(QuantAlgo::parse);
  }

  /**
   * The exclusion patterns current vLLM reads: {@code exclude_modules} from hf_quant_config.json, {@code ignore}
   * from config.json (since vLLM PR #25706; before it, config.json's {@code exclude_modules}).
   */
  public List<String> exclusions() {
    return (source == Source.HF_QUANT_CONFIG ? excludeModules : ignore).orElse(List.of());
  }

  private static Optional<String> kvAlgo(JsonNode node, Path file) {
    if (node == null || node.isNull()) return Optional.empty();
    if (!node.isTextual()) throw new ModelOptConfigException(file,
        "ValueError: kv_cache_quant_algo must be a string, got " + pythonType(node));
    return Optional.of(node.asText().toUpperCase(Locale.ROOT));
  }

  private static OptionalInt groupSize(JsonNode node, Path file) {
    if (node == null || node.isNull()) return OptionalInt.empty();
    if (node.isIntegralNumber() && node.canConvertToInt()) return OptionalInt.of(node.asInt());
    if (node.isTextual()) {
      try {
        return OptionalInt.of(Integer.parseInt(node.asText().trim()));
      } catch (NumberFormatException e) {
        // falls through to vLLM's message
      }
    }
    throw new ModelOptConfigException(file, "ValueError: group_size must be an integer, got " + pythonType(node));
  }

  private static Optional<List<String>> stringList(JsonNode q, String key, Path file) {
    var node = q.get(key);
    if (node == null || node.isNull()) return Optional.empty();
    if (!node.isArray()) throw new ModelOptConfigException(file,
        "ValueError: exclude_modules must be a list, got " + pythonType(node));
    var out = new ArrayList<String>();
    for (var entry : node) {
      if (!entry.isTextual()) throw new ModelOptConfigException(file,
          "TypeError: 'in <string>' requires string as left operand, not " + pythonType(entry).replaceAll(
              "<class '(.*)'>", "$1") + " (" + key + " entry " + entry + ")");
      out.add(entry.asText());
    }
    return Optional.of(out);
  }

  /** How Python prints the type of the value json.load makes of {@code node}. */
  static String pythonType(JsonNode node) {
    var name = switch (node.getNodeType()) {
      case STRING -> "str";
      case NUMBER -> node.isIntegralNumber() ? "int" : "float";
      case BOOLEAN -> "bool";
      case OBJECT -> "dict";
      case ARRAY -> "list";
      default -> "NoneType";
    };
    return "<class '" + name + "'>";
  }

  private static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(Files.readString(file));
    } catch (JacksonException e) {
      var where = e.getLocation() == null ? "" : ": line " + e.getLocation().getLineNr() + " column "
          + e.getLocation().getColumnNr();
      throw new ModelOptConfigException(file, "json.decoder.JSONDecodeError" + where + " (" + e.getOriginalMessage()
          + ")");
    } catch (IOException e) {
      throw new VlmqException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
