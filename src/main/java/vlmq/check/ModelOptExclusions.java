package vlmq.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import vlmq.format.modelopt.ModelOptConfig;

/**
 * vLLM's ModelOpt {@code is_layer_excluded} at one version (engine-loading-rules §1.3–§1.4, §4.4): which key the list
 * is read from, how entries are rewritten ({@code X*} split, {@code hf_to_vllm_mapper}), and how a layer prefix is
 * matched (exact with shards, substring, fnmatch).
 *
 * @param entries the list as vLLM holds it at this version, after splitting and mapping
 * @param raw the list as written under {@code key}
 * @param key the config key the list was read from
 * @param keyAbsent whether {@code key} is missing from the file (vLLM then excludes nothing)
 */
record ModelOptExclusions(List<String> entries, List<String> raw, String key, boolean keyAbsent, VllmVersion version,
    boolean packedMapping) {

  /** How one layer fares. */
  sealed interface Result {}

  /** Excluded because of {@code entry}. */
  record Excluded(String entry) implements Result {}

  record NotExcluded() implements Result {}

  /** Some shards listed exactly, others not: vLLM raises. */
  record Split(List<String> listed, List<String> unlisted) implements Result {}

  static ModelOptExclusions at(ModelOptConfig config, VllmModel model, VllmVersion version) {
    Optional<List<String>> read;
    String key;
    if (config.source() == ModelOptConfig.Source.CONFIG_JSON && !version.has(VllmChange.MODELOPT_CONFIG_JSON_IGNORE)) {
      read = config.excludeModules();
      key = "config.json quantization_config.exclude_modules";
    } else if (config.source() == ModelOptConfig.Source.CONFIG_JSON) {
      read = config.ignore();
      key = "config.json quantization_config.ignore";
    } else {
      read = config.excludeModules();
      key = "hf_quant_config.json exclude_modules";
    }
    var raw = read.orElse(List.of());
    var entries = new ArrayList<String>();
    for (var entry : raw) {
      if (version.has(VllmChange.MODELOPT_STAR_SPLIT) && entry.length() >= 2 && entry.endsWith("*")
          && entry.charAt(entry.length() - 2) != '.') { // same test as split(), before the record exists
        entries.add(entry.substring(0, entry.length() - 1));
        entries.add(entry.substring(0, entry.length() - 1) + ".*");
      } else {
        entries.add(entry);
      }
    }
    var mapped = version.has(VllmChange.MODELOPT_EXCLUDES_MAPPED) ? entries.stream().map(model::map).toList()
        : List.copyOf(entries);
    return new ModelOptExclusions(mapped, raw, key, read.isEmpty(), version, model.hasPackedMapping(version));
  }

  /** How this vLLM version reads the list, for messages: the key, and each entry's rewrite where it changed. */
  String describe() {
    if (keyAbsent) {
      return "vLLM " + version.label() + " reads the exclusions from " + key + ", which is absent"
          + (key.endsWith("exclude_modules") && key.startsWith("config.json")
              ? " (config.json's 'ignore' is read only since " + VllmChange.MODELOPT_CONFIG_JSON_IGNORE.pr() + ")" : "")
          + ": nothing is excluded";
    }
    var shown = new ArrayList<String>();
    for (var entry : raw) {
      var rewritten = at(entry);
      shown.add(rewritten.equals(List.of(entry)) ? "'" + entry + "'" : "'" + entry + "' → "
          + VllmPlan.pythonList(rewritten));
    }
    return "vLLM " + version.label() + " holds the exclusions from " + key + " as " + String.join(", ", shown);
  }

  /** One raw entry as this version rewrites it. */
  private List<String> at(String entry) {
    int i = raw.indexOf(entry);
    int start = 0;
    for (int k = 0; k < i; k++) start += split(raw.get(k)) ? 2 : 1;
    return entries.subList(start, start + (split(entry) ? 2 : 1));
  }

  private boolean split(String entry) {
    return version.has(VllmChange.MODELOPT_STAR_SPLIT) && entry.length() >= 2 && entry.endsWith("*")
        && entry.charAt(entry.length() - 2) != '.';
  }

  /** {@code is_layer_excluded(prefix)}; {@code shards} are the vLLM names of a fused layer's shards, else empty. */
  Result match(String prefix, List<String> shards) {
    if (entries.isEmpty()) return new NotExcluded();
    if (version.has(VllmChange.MODELOPT_EXCLUDES_MAPPED)) {
      if (packedMapping && shards.size() > 1) {
        var listed = shards.stream().filter(entries::contains).toList();
        if (listed.size() == shards.size()) return new Excluded(listed.getFirst());
        if (!listed.isEmpty()) {
          return new Split(listed, shards.stream().filter(s -> !entries.contains(s)).toList());
        }
      } else if (entries.contains(prefix)) {
        return new Excluded(prefix);
      }
    }
    var stripped = prefix.startsWith("language_model.") ? prefix.substring("language_model.".length()) : null;
    for (var entry : entries) {
      if (!entry.equals(prefix) && (prefix.contains(entry) || (stripped != null && stripped.contains(entry)))) {
        return new Excluded(entry);
      }
    }
    if (version.has(VllmChange.MODELOPT_FNMATCH)) {
      for (var entry : entries) {
        if (Patterns.fnmatch(prefix, entry)) return new Excluded(entry);
      }
    }
    return new NotExcluded();
  }

  /** The hard-coded tower token that forces {@code prefix} unquantized at this version, if any. */
  Optional<String> forcedUnquantized(String prefix) {
    if (version.has(VllmChange.MODELOPT_TOWER_UNQUANTIZED)) {
      for (var token : List.of("vision_tower", "vision_model")) if (prefix.contains(token)) return Optional.of(token);
    }
    if (version.has(VllmChange.MODELOPT_VISUAL_UNQUANTIZED) && prefix.contains("visual")) return Optional.of("visual");
    return Optional.empty();
  }
}
