package vlmq.format.compressedtensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import vlmq.recipe.CompressionFormat;
import vlmq.recipe.QuantizationArgs;
import vlmq.recipe.QuantizationScheme;
import vlmq.recipe.RecipeJson;

/**
 * The {@code quantization_config} that compressed-tensors 0.18's {@code ModelCompressor.update_config} puts into
 * {@code config.json} after llm-compressor saves a compressed model (spec §1.1, §1.2, literal example §1.8).
 */
public final class QuantizationConfigJson {
  /** The compressed-tensors release whose output vlmq reproduces; vLLM validates the args with its pinned CT. */
  public static final String VERSION = "0.18.0";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private QuantizationConfigJson() {}

  /**
   * @param configGroups {@code group_0 …} in module order, each with its per-group format filled in
   * @param ignore the expanded list of kept module names
   */
  public static ObjectNode of(Map<String, QuantizationScheme> configGroups, List<String> ignore, QuantizationArgs kvCacheScheme) {
    ObjectNode q = MAPPER.createObjectNode();
    ObjectNode groups = q.putObject("config_groups");
    configGroups.forEach((name, scheme) -> groups.set(name, RecipeJson.toJson(scheme)));
    q.put("format", modelFormat(configGroups).json());
    q.putNull("global_compression_ratio");
    ignore.forEach(q.putArray("ignore")::add);
    if (kvCacheScheme == null) q.putNull("kv_cache_scheme");
    else q.set("kv_cache_scheme", RecipeJson.toJson(kvCacheScheme));
    q.put("quant_method", "compressed-tensors");
    q.put("quantization_status", "compressed");
    q.putObject("sparsity_config");
    q.putObject("transform_config");
    q.put("version", VERSION);
    return q;
  }

  /** The single format every group uses, {@code mixed-precision} when they differ, {@code dense} for none. */
  static CompressionFormat modelFormat(Map<String, QuantizationScheme> configGroups) {
    List<CompressionFormat> formats = configGroups.values().stream().map(QuantizationScheme::format).distinct().toList();
    if (formats.isEmpty()) return CompressionFormat.DENSE;
    return formats.size() == 1 ? formats.getFirst() : CompressionFormat.MIXED_PRECISION;
  }

  /** {@code config} (the source config.json) with {@code quantization_config} set, as a new tree. */
  public static ObjectNode withQuantizationConfig(JsonNode config, ObjectNode quantizationConfig) {
    ObjectNode out = config.deepCopy();
    out.set("quantization_config", quantizationConfig);
    return out;
  }
}
