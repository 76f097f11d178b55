package vlmq.transform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import vlmq.VlmqException;
import vlmq.format.modelopt.ExclusionList;
import vlmq.format.modelopt.ModelOptConfig;
import vlmq.format.modelopt.ModelOptConfigException;
import vlmq.format.modelopt.ModelOptExport;
import vlmq.format.modelopt.ModelOptTensors;
import vlmq.format.modelopt.QuantAlgo;
import vlmq.io.PythonJson;
import vlmq.io.safetensors.TensorInfo;
import vlmq.io.safetensors.TensorSpec;
import vlmq.model.Component;
import vlmq.numeric.DType;
import vlmq.quantize.CheckpointFormat;

/**
 * {@code vlmq repair}: turns what {@code vlmq check} flags in a compressed-tensors or ModelOpt checkpoint into one
 * that loads, following the producer rules (engine-loading-rules §6), and reports every change:
 * <ul>
 *   <li>attention-quantizer tensors (k/v scales, affine biases) under a vision tower or projector are dropped (R1);
 *   <li>quantized Linear layers of the tower, projector and lm_head (R2, P1, C5), and the quantized shards of fused
 *       layers whose shards disagree (R5, R6), are dequantized to the model dtype ({@link StoredLinear});
 *   <li>FP8 per-tensor shards of a fused layer with different scales are requantized to the largest one offline, as
 *       vLLM's {@code requantize_with_max_scale} would at load, NVFP4 shards under one shared global scale (R10), and
 *       their input scales unified ({@link FusedScales});
 *   <li>layers in another layout than the ModelOpt checkpoint's algo are dequantized (C3), KV-cache scales stored
 *       under another projection moved to their own name (R15), an unloadable compressed-tensors KV-cache scheme
 *       dropped with its scales (R14);
 *   <li>the quantization config is rewritten: ModelOpt exclusions in every form under {@code ignore} and
 *       {@code exclude_modules} and in hf_quant_config.json with vLLM's required NVFP4 keys (R3, R12, R18, P3, P4);
 *       compressed-tensors {@code ignore} as every kept Linear's names (R4, R22, R23, P6).
 * </ul>
 * Quantized language-model layers are not touched otherwise: what they lack (scales, calibration) needs
 * re-quantizing from the original model.
 */
public final class Repair {
  private Repair() {}

  /** What a repair wrote. */
  public record Result(Path output, String format, List<Change> changes) {}

  private static final Set<Component> UNQUANTIZED = Set.of(Component.VISION, Component.PROJECTOR, Component.LM_HEAD,
      Component.EMBEDDINGS);

  /**
   * Repairs {@code input} into {@code output} (a new folder).
   *
   * @throws VlmqException for a checkpoint that is neither compressed-tensors nor ModelOpt, or whose quantized
   *     tensors vlmq cannot read
   */
  public static Result run(Path input, Path output) {
    try (var src = SourceModel.open(input)) {
      var format = format(src);
      var changes = new ArrayList<Change>();
      var rewrite = new Rewrite(src.checkpoint);
      Convert.dropTowerAttention(src, rewrite, changes);
      var quantized = src.quantized();
      var dequantized = dequantized(src, quantized);
      if (format == CheckpointFormat.MODELOPT) odd(src, quantized, dequantized);
      renameKvScales(src, rewrite, format, changes);
      dequantize(src, rewrite, quantized, dequantized, changes, format);
      var remaining = new LinkedHashMap<>(quantized);
      remaining.keySet().removeAll(dequantized.keySet());
      FusedScales.unify(src, rewrite, remaining, changes);
      var out = format == CheckpointFormat.MODELOPT
          ? modelOpt(src, rewrite, remaining, !dequantized.isEmpty(), output, changes)
          : compressedTensors(src, rewrite, remaining, output, changes);
      return new Result(out, format.id(), changes);
    }
  }

  private static CheckpointFormat format(SourceModel src) {
    var q = src.config.root().path("quantization_config");
    if (ModelOptConfig.isModelOpt(q) || Files.exists(src.dir.resolve(ModelOptConfig.HF_QUANT_CONFIG_FILE))
        && !q.isObject()) {
      return CheckpointFormat.MODELOPT;
    }
    var method = q.path("quant_method").asText("").toLowerCase(Locale.ROOT).replace('_', '-');
    if (method.equals("compressed-tensors")) return CheckpointFormat.COMPRESSED_TENSORS;
    throw new VlmqException(src.dir + ": vlmq repairs compressed-tensors and ModelOpt checkpoints; this one's"
        + " quantization is " + (method.isEmpty() ? "not declared" : method)
        + " — re-quantize the original model with vlmq quantize");
  }

  /** The quantized modules to dequantize, each with the rule it answers. */
  private static Map<String, String> dequantized(SourceModel src, Map<String, StoredLinear> quantized) {
    var out = new LinkedHashMap<String, String>();
    for (var module : quantized.keySet()) {
      var c = src.component(module);
      if (UNQUANTIZED.contains(c)) out.put(module, c == Component.LM_HEAD ? "C5" : "tower");
    }
    for (var group : src.map.fusedGroups()) {
      var members = group.members().stream().filter(m -> quantized.containsKey(m) && !out.containsKey(m)).toList();
      if (members.isEmpty()) continue;
      if (members.size() < group.members().size()) {
        members.forEach(m -> out.put(m, "R5"));
      } else if (members.stream().map(m -> quantized.get(m).label()).distinct().count() > 1) {
        members.forEach(m -> out.put(m, "R6"));
      }
    }
    return out;
  }

  /**
   * C3: vLLM builds every ModelOpt layer with the one quant_algo, so layers whose tensors have another layout (or
   * none ModelOpt knows) are dequantized; the layout most layers have stays.
   */
  private static void odd(SourceModel src, Map<String, StoredLinear> quantized, Map<String, String> dequantized) {
    var byAlgo = new LinkedHashMap<String, List<String>>();
    for (var module : quantized.keySet()) {
      if (dequantized.containsKey(module)) continue;
      var infos = new LinkedHashMap<String, TensorInfo>();
      src.params(module).forEach((p, t) -> infos.put(p, t.info()));
      var algo = ModelOptTensors.algoOf(infos).map(Enum::name).orElse("");
      byAlgo.computeIfAbsent(algo, k -> new ArrayList<>()).add(module);
    }
    var keep = byAlgo.entrySet().stream().filter(e -> !e.getKey().isEmpty())
        .max(java.util.Comparator.comparingInt(e -> e.getValue().size())).map(Map.Entry::getKey).orElse("");
    byAlgo.forEach((algo, modules) -> {
      if (!algo.equals(keep)) modules.forEach(m -> dequantized.put(m, "C3"));
    });
  }

  /**
   * R15: KV-cache scales under a projection other than their own ({@code q_proj.k_scale}) are not remapped by vLLM;
   * they move to the format's own spelling ({@code <attn>.k_proj.k_scale} for ModelOpt, {@code <attn>.k_scale} for
   * compressed-tensors), or are dropped when that name is already taken.
   */
  private static void renameKvScales(SourceModel src, Rewrite rewrite, CheckpointFormat format, List<Change> changes) {
    var moved = new ArrayList<String>();
    for (var t : src.checkpoint.tensors()) {
      var name = t.name();
      var c = src.map.role(name).component();
      if (c == Component.VISION || c == Component.PROJECTOR || !name.matches(".*\\.[kv]_scale")) continue;
      var kind = name.substring(name.length() - "k_scale".length(), name.length() - "_scale".length());
      var parent = name.substring(0, name.lastIndexOf('.'));
      var leaf = parent.substring(parent.lastIndexOf('.') + 1);
      if (!leaf.endsWith("_proj") || leaf.equals(kind + "_proj")) continue;
      var attention = parent.substring(0, parent.lastIndexOf('.'));
      var target = format == CheckpointFormat.MODELOPT ? attention + "." + kind + "_proj." + kind + "_scale"
          : attention + "." + kind + "_scale";
      if (rewrite.has(target)) rewrite.drop(name);
      else rewrite.copy(t, target);
      moved.add(name);
    }
    if (!moved.isEmpty()) {
      changes.add(Change.of("R15", "moved KV-cache scales stored under another projection to "
          + (format == CheckpointFormat.MODELOPT ? "<attn>.k_proj.k_scale / <attn>.v_proj.v_scale"
              : "<attn>.k_scale / <attn>.v_scale") + " (dropped where that name was taken)", moved));
    }
  }

  private static void dequantize(SourceModel src, Rewrite rewrite, Map<String, StoredLinear> quantized,
      Map<String, String> modules, List<Change> changes, CheckpointFormat format) {
    var dtype = src.modelDtype();
    var byRule = new LinkedHashMap<String, List<String>>();
    for (var e : modules.entrySet()) {
      var stored = quantized.get(e.getKey());
      var removed = src.params(e.getKey()).values().stream().map(t -> t.name()).filter(n -> !n.endsWith(".bias"))
          .toList();
      var weight = new TensorSpec(e.getKey() + ".weight", dtype, new long[] {stored.rows(), stored.cols()});
      rewrite.replace(removed, List.of(weight), Map.of(weight.name(), out -> write(stored, dtype, out)));
      byRule.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
    }
    byRule.forEach((rule, names) -> {
      var what = switch (rule) {
        case "C5" -> "dequantized lm_head";
        case "R5" -> "dequantized the quantized shards of fused layers whose other shards are " + dtype;
        case "R6" -> "dequantized fused layers whose shards are quantized differently";
        case "C3" -> "dequantized layers stored in another layout than the checkpoint's quant_algo";
        default -> "dequantized " + names.size() + " vision tower/projector Linear layers";
      };
      var labels = names.stream().map(m -> quantized.get(m).label()).distinct().toList();
      var id = rule.equals("tower") ? (format == CheckpointFormat.MODELOPT ? "R2" : "P1") : rule;
      changes.add(Change.of(id, what + " to " + dtype + " (weight × scale; were " + String.join(", ", labels)
          + ", their scales dropped)", names));
    });
  }

  /** Row by row: the real values rounded to nearest-even in {@code dtype}. */
  private static void write(StoredLinear stored, DType dtype, java.lang.foreign.MemorySegment out) {
    var row = new float[Math.toIntExact(stored.cols())];
    for (long r = 0; r < stored.rows(); r++) {
      stored.row(r, row);
      for (int c = 0; c < row.length; c++) {
        vlmq.format.modelopt.FloatElements.set(out, dtype, r * row.length + c, row[c]);
      }
    }
  }

  private static Path modelOpt(SourceModel src, Rewrite rewrite, Map<String, StoredLinear> remaining,
      boolean dequantizedAny, Path output, List<Change> changes) {
    var problems = new ArrayList<String>();
    var fromConfig = lenient(() -> ModelOptConfig.fromConfigJson(src.dir), problems);
    var fromHf = lenient(() -> ModelOptConfig.readHfQuantConfig(src.dir), problems);
    if (!problems.isEmpty()) {
      changes.add(Change.of("R9", "replaced quantization configs vLLM refuses", problems));
    }
    if (remaining.isEmpty()) {
      changes.add(Change.of("", "removed the quantization config: no Linear layer stays quantized", List.of()));
      return rewrite.write(output, staging -> writeConfig(staging, src.config.root(), null));
    }
    var algo = algo(src, remaining, fromConfig.or(() -> fromHf), changes);
    var declared = fromConfig.or(() -> fromHf);
    var kv = declared.flatMap(ModelOptConfig::kvCacheQuantAlgo);
    var lmKvScales = rewrite.specs().stream().map(TensorSpec::name)
        .filter(n -> n.endsWith(".k_scale") || n.endsWith(".v_scale")).toList();
    if (kv.isEmpty() && !lmKvScales.isEmpty()) {
      kv = Optional.of("FP8");
      changes.add(Change.of("", "declared kv_cache_quant_algo FP8: the language model carries k/v scales", List.of()));
    } else if (kv.isPresent() && lmKvScales.isEmpty()) {
      changes.add(Change.of("", "dropped kv_cache_quant_algo " + kv.get() + ": the language model has no k/v scales"
          + " (vLLM would run an FP8 KV cache with scale 1.0)", List.of()));
      kv = Optional.empty();
    }
    var kept = new ArrayList<String>();
    for (var m : src.map.linearModules()) if (!remaining.containsKey(m)) kept.add(m);
    var exclusions = ExclusionList.of(src.map, kept, List.copyOf(remaining.keySet()));
    describeExclusions(src, exclusions, kept, fromConfig, fromHf, changes);
    var qc = src.config.root().path("quantization_config");
    var stash = dequantizedAny ? Optional.<JsonNode>empty() : ModelOptExport.compressedTensors(qc);
    if (dequantizedAny && ModelOptExport.compressedTensors(qc).isPresent()) {
      changes.add(Change.of("", "dropped the compressed-tensors config vlmq kept in config.json (it lists the"
          + " dequantized layers as quantized); vlmq convert derives one from quant_algo", List.of()));
    }
    var producer = qc.path("vlmq").isObject() && qc.path("vlmq").path("note").asText("").startsWith("written by vlmq")
        ? ModelOptExport.Producer.VLMQ : ModelOptExport.Producer.repaired(declared.map(ModelOptConfig::producerVersion)
            .orElse(""));
    var export = ModelOptExport.of(algo, kv, exclusions, producer, stash.orElse(null));
    return rewrite.write(output, staging -> export.write(staging, src.config.root()));
  }

  /** The one algo the remaining quantized modules' tensors have (the config's, when it agrees). */
  private static QuantAlgo algo(SourceModel src, Map<String, StoredLinear> remaining, Optional<ModelOptConfig> config,
      List<Change> changes) {
    var found = new LinkedHashMap<QuantAlgo, List<String>>();
    for (var module : remaining.keySet()) {
      var infos = new LinkedHashMap<String, TensorInfo>();
      src.params(module).forEach((p, t) -> infos.put(p, t.info()));
      var algo = ModelOptTensors.algoOf(infos).orElseThrow(() -> new VlmqException(module + " stores "
          + remaining.get(module).label() + " tensors of no ModelOpt layout; re-quantize the original model"));
      found.computeIfAbsent(algo, k -> new ArrayList<>()).add(module);
    }
    if (found.size() > 1) {
      throw new VlmqException("the quantized layers hold several ModelOpt layouts " + found.keySet()
          + "; vLLM builds every layer with the one quant_algo: re-quantize the original model");
    }
    var algo = found.keySet().iterator().next();
    var declared = config.flatMap(ModelOptConfig::quantAlgo).map(a -> a.toUpperCase(Locale.ROOT));
    if (declared.isPresent() && !declared.get().equals(algo.name())) {
      changes.add(Change.of("R9", "quant_algo " + declared.get() + " → " + algo + ", the layout the tensors have",
          List.of()));
    }
    return algo;
  }

  private static void describeExclusions(SourceModel src, List<String> exclusions, List<String> kept,
      Optional<ModelOptConfig> fromConfig, Optional<ModelOptConfig> fromHf, List<Change> changes) {
    var target = new HashSet<>(exclusions);
    var before = new ArrayList<String>();
    boolean same = true;
    if (fromConfig.isEmpty()) {
      before.add("config.json had no ModelOpt quantization_config");
      same = false;
    } else {
      for (var list : List.of(fromConfig.get().ignore(), fromConfig.get().excludeModules())) {
        same &= list.isPresent() && new HashSet<>(list.get()).equals(target);
      }
      before.add("config.json ignore " + fromConfig.get().ignore().map(List::toString).orElse("absent")
          + ", exclude_modules " + fromConfig.get().excludeModules().map(List::toString).orElse("absent"));
    }
    if (fromHf.isEmpty()) {
      before.add("no hf_quant_config.json");
      same = false;
    } else {
      same &= fromHf.get().excludeModules().map(l -> new HashSet<>(l).equals(target)).orElse(false);
      before.add("hf_quant_config.json exclude_modules "
          + fromHf.get().excludeModules().map(List::toString).orElse("absent"));
    }
    if (same) return;
    var forms = exclusions.stream().filter(e -> kept.stream().noneMatch(m -> src.map.names(m).all().contains(e)
        || m.equals(e))).map(e -> "'" + e + "'").toList();
    changes.add(Change.of("P3", "exclusion list rewritten: the " + kept.size() + " kept Linear layers under every"
        + " spelling, plus " + String.join(", ", forms) + " (" + exclusions.size() + " entries)", List.of()));
    changes.add(Change.of("P4", "written under config.json quantization_config.ignore and .exclude_modules and"
        + " hf_quant_config.json exclude_modules (before: " + String.join("; ", shorten(before)) + ")", List.of()));
  }

  private static List<String> shorten(List<String> lines) {
    return lines.stream().map(l -> l.length() > 160 ? l.substring(0, 157) + "…" : l).toList();
  }

  private static Path compressedTensors(SourceModel src, Rewrite rewrite, Map<String, StoredLinear> remaining,
      Path output, List<Change> changes) {
    var q = (ObjectNode) src.config.root().path("quantization_config").deepCopy();
    if (Files.exists(src.dir.resolve(ModelOptConfig.HF_QUANT_CONFIG_FILE))) {
      changes.add(Change.of("R18", "left out hf_quant_config.json: config.json's compressed-tensors config is the one"
          + " engines read", List.of()));
    }
    if (remaining.isEmpty()) {
      changes.add(Change.of("", "removed the quantization config: no Linear layer stays quantized", List.of()));
      return rewrite.write(output, staging -> writeConfig(staging, src.config.root(), null));
    }
    dropUnloadableKvScheme(q, rewrite, changes);
    var ignore = new LinkedHashSet<String>();
    for (var m : src.map.linearModules()) {
      if (remaining.containsKey(m)) continue;
      ignore.add(m);
      ignore.addAll(src.map.names(m).all());
    }
    var before = new ArrayList<String>();
    q.path("ignore").forEach(n -> before.add(n.asText()));
    if (!new HashSet<>(before).equals(ignore)) {
      var arr = q.putArray("ignore");
      ignore.forEach(arr::add);
      changes.add(Change.of("R4", "ignore rewritten as every kept Linear layer under each name vLLM and transformers"
          + " match (" + ignore.size() + " explicit names; was " + before.size() + (before.size() == 1 ? " entry"
              : " entries")
          + (before.isEmpty() ? "" : ": " + String.join(", ", before.subList(0, Math.min(4, before.size())))
              + (before.size() > 4 ? ", …" : "")) + ")", List.of()));
    }
    return rewrite.write(output, staging -> writeConfig(staging, src.config.root(), q));
  }

  /**
   * R14: a {@code kv_cache_scheme} other than FP8 per-tensor symmetric makes vLLM refuse the checkpoint; without it
   * the KV cache stays bf16, so the scheme and its k/v scales go.
   */
  private static void dropUnloadableKvScheme(ObjectNode q, Rewrite rewrite, List<Change> changes) {
    var kv = q.path("kv_cache_scheme");
    if (!kv.isObject()) return;
    boolean loadable = kv.path("type").asText("int").equals("float") && kv.path("num_bits").asInt(8) == 8
        && kv.path("strategy").asText("tensor").equals("tensor") && kv.path("symmetric").asBoolean(true);
    if (loadable) return;
    var dropped = rewrite.specs().stream().map(TensorSpec::name).filter(n -> n.matches(".*\\.[kv]_(scale|zero_point)"))
        .toList();
    dropped.forEach(rewrite::drop);
    q.putNull("kv_cache_scheme");
    changes.add(Change.of("R14", "dropped kv_cache_scheme " + kv + " (vLLM runs FP8 per-tensor symmetric KV caches"
        + " only) and its k/v tensors; the KV cache stays bf16", dropped));
  }

  /** config.json with {@code quantizationConfig} (removed when null), as Python's json.dumps writes it. */
  private static void writeConfig(Path staging, JsonNode root, JsonNode quantizationConfig) {
    var config = (ObjectNode) root.deepCopy();
    if (quantizationConfig == null) config.remove("quantization_config");
    else config.set("quantization_config", quantizationConfig);
    Convert.writeText(staging.resolve("config.json"), PythonJson.dumps(config) + "\n");
  }

  private interface Reader {
    Optional<ModelOptConfig> read();
  }

  private static Optional<ModelOptConfig> lenient(Reader reader, List<String> problems) {
    try {
      return reader.read();
    } catch (ModelOptConfigException e) {
      problems.add(e.engineMessage());
      return Optional.empty();
    }
  }
}
