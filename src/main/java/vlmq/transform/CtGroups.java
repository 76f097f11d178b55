package vlmq.transform;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import vlmq.model.ModuleNames;
import vlmq.recipe.CompressionFormat;
import vlmq.recipe.QuantizationScheme;
import vlmq.recipe.RecipeJson;
import vlmq.recipe.Rule;

/**
 * The config groups of a compressed-tensors {@code quantization_config}, each with its format (its own, else the
 * config's, else inferred), and the group a Linear module falls in: a target naming it (exact or {@code re:}) wins
 * over a class target ({@code Linear}), earlier groups over later ones.
 */
record CtGroups(Map<String, QuantizationScheme> groups) {
  static CtGroups parse(JsonNode quantizationConfig) {
    var groups = new LinkedHashMap<String, QuantizationScheme>();
    var modelFormat = quantizationConfig.path("format").asText("");
    quantizationConfig.path("config_groups").properties().forEach(e -> {
      var scheme = RecipeJson.scheme(e.getValue(), "quantization_config.config_groups." + e.getKey());
      if (scheme.format() == null && !modelFormat.isEmpty() && !modelFormat.equals("mixed-precision")) {
        scheme = scheme.withFormat(CompressionFormat.parse(modelFormat, "quantization_config"));
      }
      groups.put(e.getKey(), scheme.withInferredFormat());
    });
    return new CtGroups(groups);
  }

  Optional<QuantizationScheme> schemeOf(ModuleNames names) {
    QuantizationScheme byClass = null;
    for (var scheme : groups.values()) {
      for (var target : scheme.targets()) {
        var how = Rule.parse(target).match(names, "Linear");
        if (how == Rule.Match.EXACT_NAME || how == Rule.Match.REGEX) return Optional.of(scheme);
        if (how == Rule.Match.CLASS && byClass == null) byClass = scheme;
      }
    }
    return Optional.ofNullable(byClass);
  }
}
