package vlmq.transform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import vlmq.VlmqException;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.QuantizationConfigJson;
import vlmq.format.modelopt.ExclusionList;
import vlmq.format.modelopt.ModelOptConfig;
import vlmq.format.modelopt.ModelOptExport;
import vlmq.format.modelopt.ModelOptLayout;
import vlmq.format.modelopt.ModelOptLayout.Link;
import vlmq.format.modelopt.ModelOptTensors;
import vlmq.format.modelopt.QuantAlgo;
import vlmq.io.PythonJson;
import vlmq.io.safetensors.TensorSpec;
import vlmq.model.Component;
import vlmq.numeric.DType;
import vlmq.quantize.CheckpointFormat;
import vlmq.recipe.Preset;
import vlmq.recipe.QuantType;
import vlmq.recipe.QuantizationArgs;
import vlmq.recipe.QuantizationScheme;
import vlmq.recipe.Strategy;

/**
 * {@code vlmq convert}: a quantized checkpoint from compressed-tensors to ModelOpt or back, through each module's
 * {@link ModelOptLayout}. Codes are copied byte for byte; scales change form only exactly (widened to F32, repeated
 * per channel, inverted as {@link vlmq.format.modelopt.Reciprocal} pairs), so compressed-tensors → ModelOpt →
 * compressed-tensors gives back the same tensors and, through the compressed-tensors config kept in the ModelOpt
 * config, the same {@code quantization_config}. KV-cache scales are renamed between the two spellings
 * ({@code <attn>.k_scale} ↔ {@code <attn>.k_proj.k_scale}); their values are not touched.
 */
public final class Convert {
  private Convert() {}

  /** What a conversion wrote. */
  public record Result(Path output, String from, String to, int modules, List<Change> changes) {}

  /**
   * Converts {@code input} into {@code output} (a new folder).
   *
   * @throws VlmqException for a checkpoint already in {@code to}, not quantized, or holding a scheme the other
   *     format has no place for
   */
  public static Result run(Path input, Path output, CheckpointFormat to) {
    try (var src = SourceModel.open(input)) {
      return switch (to) {
        case MODELOPT -> toModelOpt(src, output);
        case COMPRESSED_TENSORS -> toCompressedTensors(src, output);
      };
    }
  }

  private static Result toModelOpt(SourceModel src, Path output) {
    var q = src.config.root().path("quantization_config");
    if (ModelOptConfig.isModelOpt(q) || Files.exists(src.dir.resolve(ModelOptConfig.HF_QUANT_CONFIG_FILE))) {
      throw new VlmqException(src.dir + " is already a ModelOpt checkpoint; to go the other way use"
          + " --to compressed-tensors");
    }
    var method = q.path("quant_method").asText("").toLowerCase(Locale.ROOT).replace('_', '-');
    if (!method.equals("compressed-tensors")) {
      throw new VlmqException(src.dir + " has no compressed-tensors quantization_config in config.json (quant_method "
          + (method.isEmpty() ? "missing" : method) + "); quantize the original model with vlmq quantize"
          + " --format modelopt instead");
    }
    var groups = CtGroups.parse(q);
    var rewrite = new Rewrite(src.checkpoint);
    var changes = new ArrayList<Change>();
    var algos = new LinkedHashMap<QuantAlgo, List<String>>();
    var roundTrip = new ArrayList<String>();
    for (var e : src.quantized().entrySet()) {
      var module = e.getKey();
      var stored = e.getValue();
      var scheme = groups.schemeOf(src.map.names(module)).orElseThrow(() -> new VlmqException(module
          + " stores quantized tensors but no config group of quantization_config targets it"));
      var scaleDtype = Optional.ofNullable(src.params(module).get(ModelOptTensors.WEIGHT_SCALE)).map(t -> t.dtype())
          .filter(d -> d == DType.BF16 || d == DType.F16 || d == DType.F32).orElse(src.modelDtype());
      var ct = LinearLayout.of(module, scheme.format(), scheme.weights(), scaleDtype, stored.rows(), stored.cols());
      var layout = ModelOptLayout.of(ct, scheme.inputActivations());
      var links = new ArrayList<Link>();
      for (var link : layout.links()) {
        var actual = src.checkpoint.find(link.compressedTensors().name()).orElseThrow(() -> new VlmqException(
            module + " lacks " + link.compressedTensors().name() + ", which its scheme stores"));
        var linked = link.withCompressedTensors(new TensorSpec(actual.name(), actual.dtype(), actual.shape()));
        linked.roundTripProblem(actual.data()).ifPresent(roundTrip::add);
        links.add(linked);
      }
      refuseLeftovers(src, module, links.stream().map(l -> l.compressedTensors().name()).toList());
      algos.computeIfAbsent(layout.algo(), k -> new ArrayList<>()).add(module);
      replace(src, rewrite, links, true);
    }
    var algo = single(algos);
    dropTowerAttention(src, rewrite, changes);
    var kv = kvToModelOpt(src, rewrite, q.path("kv_cache_scheme"), changes);
    var exclusions = ExclusionList.of(src.map, src.unquantized(), algos.get(algo));
    changes.addFirst(Change.of("", "wrote " + algos.get(algo).size() + " Linear layers as ModelOpt " + algo
        + " (" + scaleNote(algo) + ")", algos.get(algo)));
    changes.add(Change.of("", "excluded " + src.unquantized().size() + " kept Linear layers with " + exclusions.size()
        + " entries under ignore and exclude_modules (config.json) and exclude_modules (hf_quant_config.json)",
        List.of()));
    if (!roundTrip.isEmpty()) {
      changes.add(Change.of("", "not exactly reversible (one f32 ulp)", roundTrip));
    }
    var export = ModelOptExport.of(algo, kv, exclusions, q);
    var out = rewrite.write(output, staging -> export.write(staging, src.config.root()));
    return new Result(out, CheckpointFormat.COMPRESSED_TENSORS.id(), CheckpointFormat.MODELOPT.id(),
        algos.get(algo).size(), changes);
  }

  private static Result toCompressedTensors(SourceModel src, Path output) {
    var config = ModelOptConfig.read(src.dir).orElseThrow(() -> new VlmqException(src.dir + " is not a ModelOpt"
        + " checkpoint (no ModelOpt quantization_config in config.json, no hf_quant_config.json)"));
    var algo = config.algo().orElseThrow(() -> new VlmqException(config.file() + ": quant_algo "
        + config.quantAlgo().orElse("null") + " has no compressed-tensors counterpart vlmq converts"));
    var preset = preset(algo);
    var changes = new ArrayList<Change>();
    var modelDtype = src.modelDtype();
    var kept = ModelOptExport.compressedTensors(src.config.root().path("quantization_config"));
    JsonNode ct = null;
    Map<String, List<Link>> plan = null;
    if (kept.isPresent()) {
      var attempt = plan(src, CtGroups.parse(kept.get()), algo, modelDtype, false, changes);
      if (attempt.links().isPresent()) {
        ct = kept.get();
        plan = attempt.links().get();
      } else {
        changes.add(Change.of("", "the compressed-tensors config vlmq kept does not describe these tensors ("
            + attempt.problem() + "); writing one from quant_algo " + algo, List.of()));
      }
    }
    if (plan == null) {
      var groups = new LinkedHashMap<String, QuantizationScheme>();
      groups.put("group_0", preset.scheme(List.of("Linear")).withInferredFormat());
      var attempt = plan(src, new CtGroups(groups), algo, modelDtype, true, changes);
      plan = attempt.links().orElseThrow(() -> new VlmqException(src.dir + ": cannot convert " + algo
          + " to compressed-tensors " + preset + ": " + attempt.problem()));
      var kvArgs = config.kvCacheQuantAlgo().map(kv -> kvScheme(config.file(), kv)).orElse(null);
      ct = QuantizationConfigJson.of(groups, ignoreList(src), kvArgs);
    }
    var rewrite = new Rewrite(src.checkpoint);
    plan.values().forEach(links -> replace(src, rewrite, links, false));
    dropTowerAttention(src, rewrite, changes);
    kvToCompressedTensors(src, rewrite, changes);
    changes.addFirst(Change.of("", "wrote " + plan.size() + " Linear layers as compressed-tensors "
        + CtGroups.parse(ct).groups().values().iterator().next().format().json() + " (" + scaleNote(algo) + ")",
        List.copyOf(plan.keySet())));
    var quantizationConfig = ct;
    var out = rewrite.write(output, staging -> writeText(staging.resolve("config.json"), PythonJson.dumps(
        QuantizationConfigJson.withQuantizationConfig(src.config.root(), (ObjectNode) quantizationConfig)) + "\n"));
    return new Result(out, CheckpointFormat.MODELOPT.id(), CheckpointFormat.COMPRESSED_TENSORS.id(), plan.size(),
        changes);
  }

  /** Per module the links from its ModelOpt tensors to compressed-tensors ones, or why the groups cannot hold them. */
  private record Attempt(Optional<Map<String, List<Link>>> links, String problem) {
    static Attempt failed(String problem) {
      return new Attempt(Optional.empty(), problem);
    }
  }

  /**
   * Links every quantized module's ModelOpt tensors to the compressed-tensors tensors of its group's scheme.
   *
   * @param widen store a scale F32 when the model dtype cannot hold its ModelOpt value (else that is a failure)
   */
  private static Attempt plan(SourceModel src, CtGroups groups, QuantAlgo algo, DType modelDtype, boolean widen,
      List<Change> changes) {
    var out = new LinkedHashMap<String, List<Link>>();
    var widened = new ArrayList<String>();
    for (var e : src.quantized().entrySet()) {
      var module = e.getKey();
      var scheme = groups.schemeOf(src.map.names(module));
      if (scheme.isEmpty()) return Attempt.failed("no config group targets " + module);
      ModelOptLayout layout;
      try {
        var ct = LinearLayout.of(module, scheme.get().format(), scheme.get().weights(), modelDtype, e.getValue().rows(),
            e.getValue().cols());
        layout = ModelOptLayout.of(ct, scheme.get().inputActivations());
      } catch (VlmqException ex) {
        return Attempt.failed(ex.getMessage());
      }
      if (layout.algo() != algo) {
        return Attempt.failed(module + "'s scheme is ModelOpt " + layout.algo() + ", the checkpoint says " + algo);
      }
      var links = new ArrayList<Link>();
      for (var link : layout.links()) {
        var actual = src.checkpoint.find(link.modelOpt().name());
        if (actual.isEmpty()) return Attempt.failed(module + " lacks " + link.modelOpt().name());
        var t = actual.get();
        if (t.dtype() != link.modelOpt().dtype() || t.info().elementCount() != link.modelOpt().elementCount()) {
          return Attempt.failed(t.name() + " is " + t.dtype() + Arrays.toString(t.shape()) + ", "
              + algo + " stores " + link.modelOpt().dtype() + Arrays.toString(link.modelOpt().shape()));
        }
        var problem = link.toCompressedTensorsProblem(t.data());
        if (problem.isPresent() && widen && link.transform() == ModelOptLayout.Transform.WIDEN) {
          link = link.withCompressedTensors(new TensorSpec(link.compressedTensors().name(), DType.F32,
              link.compressedTensors().shape()));
          widened.add(link.compressedTensors().name());
        } else if (problem.isPresent()) {
          return Attempt.failed(problem.get());
        }
        links.add(link);
      }
      var leftover = leftovers(src, module, links.stream().map(l -> l.modelOpt().name()).toList());
      if (!leftover.isEmpty()) {
        return Attempt.failed(module + " also stores " + leftover + ", which " + algo + " has not");
      }
      out.put(module, links);
    }
    if (!widened.isEmpty()) {
      changes.add(Change.of("", "kept F32 (their values are not " + modelDtype + " values)", widened));
    }
    return new Attempt(Optional.of(out), "");
  }

  /** Replaces a module's tensors on one side of its links by the other side's. */
  private static void replace(SourceModel src, Rewrite rewrite, List<Link> links, boolean toModelOpt) {
    var removed = new ArrayList<String>();
    var added = new ArrayList<TensorSpec>();
    var fills = new LinkedHashMap<String, Rewrite.Fill>();
    for (var link : links) {
      var from = toModelOpt ? link.compressedTensors() : link.modelOpt();
      var to = toModelOpt ? link.modelOpt() : link.compressedTensors();
      var tensor = src.checkpoint.find(from.name()).orElseThrow();
      removed.add(from.name());
      added.add(to);
      if (link.transform() == ModelOptLayout.Transform.COPY && tensor.byteSize() == to.byteSize()) {
        fills.put(to.name(), new Rewrite.Copy(tensor));
      } else {
        fills.put(to.name(), toModelOpt ? out -> link.toModelOpt(tensor.data(), out)
            : out -> link.toCompressedTensors(tensor.data(), out));
      }
    }
    rewrite.replace(removed, added, fills);
  }

  private static void refuseLeftovers(SourceModel src, String module, List<String> used) {
    var leftover = leftovers(src, module, used);
    if (!leftover.isEmpty()) {
      throw new VlmqException(module + " stores " + leftover + ", which ModelOpt has no place for");
    }
  }

  private static List<String> leftovers(SourceModel src, String module, List<String> used) {
    return src.params(module).values().stream().map(t -> t.name())
        .filter(n -> !used.contains(n) && !n.endsWith(".bias")).toList();
  }

  private static QuantAlgo single(Map<QuantAlgo, List<String>> algos) {
    if (algos.isEmpty()) throw new VlmqException("the checkpoint has no quantized Linear layer to convert");
    if (algos.size() > 1) {
      throw new VlmqException("the config groups map to several ModelOpt algos " + algos.keySet() + "; vlmq writes"
          + " one quant_algo per ModelOpt checkpoint (MIXED_PRECISION is not supported)");
    }
    return algos.keySet().iterator().next();
  }

  /** The compressed-tensors preset whose checkpoints {@code algo} holds. */
  private static Preset preset(QuantAlgo algo) {
    return switch (algo) {
      case FP8 -> Preset.FP8;
      case FP8_PER_CHANNEL_PER_TOKEN -> Preset.FP8_DYNAMIC;
      case FP8_PB_WO -> Preset.FP8_BLOCK;
      case NVFP4 -> Preset.NVFP4;
      case W4A16_NVFP4 -> Preset.NVFP4A16;
      default -> throw new VlmqException("ModelOpt " + algo + " has no compressed-tensors counterpart vlmq converts"
          + " (FP8, FP8_PER_CHANNEL_PER_TOKEN, FP8_PB_WO, NVFP4, W4A16_NVFP4)");
    };
  }

  private static String scaleNote(QuantAlgo algo) {
    return algo.isNvfp4() ? "codes and FP8 block scales copied, global scales inverted"
        : "codes copied, scales moved exactly between the model dtype and F32";
  }

  /** compressed-tensors' FP8 KV-cache scheme ({@code validate_kv_cache_scheme}: float, 8 bits, tensor, symmetric). */
  private static QuantizationArgs kvScheme(Path file, String kvAlgo) {
    if (!kvAlgo.equals("FP8")) {
      throw new VlmqException(file + ": KV-cache algo " + kvAlgo + " has no compressed-tensors scheme vLLM loads");
    }
    return QuantizationArgs.builder(8, QuantType.FLOAT).strategy(Strategy.TENSOR).build();
  }

  /** Producer rule P2: no KV-cache scale under a vision tower, whatever the source carried (vlmq check R1). */
  static void dropTowerAttention(SourceModel src, Rewrite rewrite, List<Change> changes) {
    var dropped = new ArrayList<String>();
    for (var t : src.checkpoint.tensors()) {
      var c = src.map.role(t.name()).component();
      if ((c == Component.VISION || c == Component.PROJECTOR) && ModelOptTensors.isAttentionParam(t.name())) {
        rewrite.drop(t.name());
        dropped.add(t.name());
      }
    }
    if (!dropped.isEmpty()) {
      changes.add(Change.of("R1", "dropped " + dropped.size() + " KV-cache/attention-quantizer tensors under the vision"
          + " tower (no vLLM version has a parameter for them)", dropped));
    }
  }

  private static Optional<String> kvToModelOpt(SourceModel src, Rewrite rewrite, JsonNode scheme,
      List<Change> changes) {
    if (scheme.isMissingNode() || scheme.isNull()) return Optional.empty();
    if (!scheme.path("type").asText("").equals("float") || scheme.path("num_bits").asInt(0) != 8) {
      throw new VlmqException("kv_cache_scheme " + scheme + " has no ModelOpt counterpart (ModelOpt's FP8 KV cache is"
          + " float, 8 bits)");
    }
    var renamed = new ArrayList<String>();
    for (var t : src.checkpoint.tensors()) {
      var name = t.name();
      if (!rewrite.has(name)) continue;
      for (var kind : List.of("k", "v")) {
        var suffix = "." + kind + "_scale";
        if (name.endsWith(suffix) && !name.endsWith("." + kind + "_proj" + suffix)) {
          rewrite.copy(t, name.substring(0, name.length() - suffix.length()) + "." + kind + "_proj" + suffix);
          renamed.add(name);
        }
      }
    }
    changes.add(Change.of("", "renamed KV-cache scales to ModelOpt's <attn>.k_proj.k_scale / <attn>.v_proj.v_scale",
        renamed));
    return Optional.of("FP8");
  }

  private static void kvToCompressedTensors(SourceModel src, Rewrite rewrite, List<Change> changes) {
    var renamed = new ArrayList<String>();
    for (var t : src.checkpoint.tensors()) {
      var name = t.name();
      if (!rewrite.has(name)) continue;
      if (name.endsWith(".k_bias") || name.endsWith(".v_bias")) {
        throw new VlmqException(name + ": affine KV-cache quantization has no compressed-tensors form vLLM loads");
      }
      for (var kind : List.of("k", "v")) {
        var suffix = "." + kind + "_proj." + kind + "_scale";
        if (name.endsWith(suffix)) {
          rewrite.copy(t, name.substring(0, name.length() - suffix.length()) + "." + kind + "_scale");
          renamed.add(name);
        }
      }
    }
    if (!renamed.isEmpty()) {
      changes.add(Change.of("", "renamed KV-cache scales to compressed-tensors' <attn>.k_scale / <attn>.v_scale",
          renamed));
    }
  }

  /** compressed-tensors' ignore list: each kept Linear in the checkpoint's and transformers' spelling. */
  private static List<String> ignoreList(SourceModel src) {
    var out = new LinkedHashSet<String>();
    for (var m : src.unquantized()) {
      out.add(m);
      out.add(src.map.names(m).transformers());
    }
    return List.copyOf(out);
  }

  static void writeText(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new VlmqException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
