package vlmq.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import vlmq.VlmqException;
import vlmq.recipe.CompressionFormat;
import vlmq.recipe.Preset;
import vlmq.recipe.QuantizationScheme;
import vlmq.recipe.RecipeJson;

/**
 * A compressed-tensors {@code quantization_config} as vLLM reads it: config groups (validated like the pinned
 * compressed-tensors' pydantic models), the {@code ignore} list, the model-level format and the KV-cache scheme.
 *
 * @param groups config groups in file order; a group that fails validation has a null scheme and an error
 * @param format the model-level {@code format}, null when absent
 * @param kvCacheScheme the {@code kv_cache_scheme} dict, or a missing/null node
 */
record CtConfig(List<Group> groups, List<String> ignore, String format, JsonNode kvCacheScheme) {

  /** One config group; {@code scheme} is null when the group is invalid. */
  record Group(String name, QuantizationScheme scheme, String error) {
    /** The compression format vLLM selects the scheme with: the group's, else the model's, else inferred. */
    CompressionFormat format(String modelFormat) {
      if (scheme.format() != null) return scheme.format();
      if (modelFormat != null && !modelFormat.equals(CompressionFormat.MIXED_PRECISION.json())) {
        try {
          return CompressionFormat.parse(modelFormat, "quantization_config");
        } catch (VlmqException e) {
          // an unknown model-level format: fall back to what compressed-tensors would infer
        }
      }
      return CompressionFormat.infer(scheme);
    }
  }

  static CtConfig parse(JsonNode q) {
    var groups = new ArrayList<Group>();
    q.path("config_groups").properties().forEach(e -> groups.add(group(e.getKey(), e.getValue())));
    var ignore = new ArrayList<String>();
    q.path("ignore").forEach(n -> ignore.add(n.asText()));
    var format = q.path("format").isTextual() ? q.path("format").asText() : null;
    return new CtConfig(List.copyOf(groups), List.copyOf(ignore), format, q.path("kv_cache_scheme"));
  }

  /** A group, or compressed-tensors' shorthand {@code {"W4A16": ["Linear"]}} naming a preset. */
  private static Group group(String name, JsonNode node) {
    var where = "quantization_config.config_groups." + name;
    try {
      if (node.isArray()) {
        var targets = new ArrayList<String>();
        node.forEach(t -> targets.add(t.asText()));
        return new Group(name, Preset.byName(name).scheme(targets), null);
      }
      return new Group(name, RecipeJson.scheme(node, where), null);
    } catch (VlmqException e) {
      return new Group(name, null, e.getMessage());
    }
  }

  boolean hasKvCacheScheme() {
    return kvCacheScheme.isObject();
  }
}
