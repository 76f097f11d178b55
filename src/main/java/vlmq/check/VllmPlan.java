package vlmq.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import vlmq.format.modelopt.QuantAlgo;
import vlmq.model.Component;

/**
 * What vLLM builds for each Linear layer of a checkpoint at one version: quantized with a {@link LayerScheme}, or
 * unquantized and why, plus the errors its config matching raises on the way (fused shards split by the exclusion
 * list, layers no compressed-tensors target covers).
 */
final class VllmPlan {
  /** Why a layer ends up as it does. */
  enum Cause {
    QUANTIZED,
    /** The exclusion/ignore list covers it. */
    EXCLUDED,
    /** vLLM's own code forces it unquantized (ModelOpt tower tokens, GPTQ's dropped tower config). */
    FORCED,
    /** vLLM never quantizes this kind of layer at this version (lm_head). */
    NOT_QUANTIZABLE,
    /** The checkpoint declares no usable quantization. */
    NO_QUANTIZATION
  }

  /** One layer's fate; {@code scheme} is null when it is built unquantized. */
  record Decision(Layer layer, LayerScheme scheme, Cause cause, String why) {
    boolean quantized() {
      return scheme != null;
    }
  }

  /** A matching error vLLM raises for a layer, under rule {@code rule}. */
  record Problem(String rule, Layer layer, String message) {}

  final VllmVersion version;
  final List<Decision> decisions;
  final List<Problem> problems;
  final Optional<ModelOptExclusions> exclusions;
  final Optional<CtMatching> ct;

  private VllmPlan(VllmVersion version, List<Decision> decisions, List<Problem> problems,
      Optional<ModelOptExclusions> exclusions, Optional<CtMatching> ct) {
    this.version = version;
    this.decisions = List.copyOf(decisions);
    this.problems = List.copyOf(problems);
    this.exclusions = exclusions;
    this.ct = ct;
  }

  static VllmPlan of(CheckedModel m, VllmVersion v) {
    var decisions = new ArrayList<Decision>();
    var problems = new ArrayList<Problem>();
    var q = m.quant;
    Optional<ModelOptExclusions> exclusions = Optional.empty();
    Optional<CtMatching> ct = Optional.empty();
    if (q.isModelOpt() && q.modelopt().isPresent()) {
      var cfg = q.modelopt().get();
      var ex = ModelOptExclusions.at(cfg, m.vllm, v);
      exclusions = Optional.of(ex);
      var algo = cfg.algo();
      for (var layer : m.layers) decisions.add(modelOpt(layer, cfg, algo, ex, v, problems));
    } else if (q.isCompressedTensors() && q.ct().isPresent()) {
      var matching = CtMatching.at(q.ct().get(), m.vllm, v);
      ct = Optional.of(matching);
      for (var layer : m.layers) decisions.add(compressedTensors(layer, matching, q.ct().get(), v, problems));
    } else if (q.isGptqFamily()) {
      for (var layer : m.layers) decisions.add(gptq(m, layer, v));
    } else if (q.method().equals("fp8")) {
      var ignored = new ArrayList<String>();
      q.node().path("ignored_layers").forEach(n -> ignored.add(v.has(VllmChange.CT_IGNORE_MAPPED)
          ? m.vllm.map(n.asText()) : n.asText()));
      var scheme = LayerScheme.fp8(q.node().path("weight_block_size").isArray());
      for (var layer : m.layers) {
        if (layer.component() == Component.LM_HEAD) {
          decisions.add(new Decision(layer, null, Cause.NOT_QUANTIZABLE, "vLLM's fp8 method leaves lm_head unquantized"));
        } else if (ignored.contains(layer.vllmName())
            || layer.shards().stream().allMatch(s -> ignored.contains(s.vllmModule()))) {
          decisions.add(new Decision(layer, null, Cause.EXCLUDED, "listed in ignored_layers"));
        } else {
          decisions.add(new Decision(layer, scheme, Cause.QUANTIZED, "not in ignored_layers"));
        }
      }
    } else {
      for (var layer : m.layers) {
        decisions.add(new Decision(layer, null, Cause.NO_QUANTIZATION, q.quantized()
            ? "quantization method '" + q.method() + "' is not modelled" : "the checkpoint declares no quantization"));
      }
    }
    return new VllmPlan(v, decisions, problems, exclusions, ct);
  }

  private static Decision modelOpt(Layer layer, vlmq.format.modelopt.ModelOptConfig cfg, Optional<QuantAlgo> algo,
      ModelOptExclusions ex, VllmVersion v, List<Problem> problems) {
    if (layer.component() == Component.LM_HEAD && !v.has(VllmChange.MAIN_2026_05)) {
      return new Decision(layer, null, Cause.NOT_QUANTIZABLE, "ModelOpt quantizes only LinearBase layers, not lm_head");
    }
    var shards = layer.fused() ? layer.shards().stream().map(Shard::vllmModule).toList() : List.<String>of();
    var result = ex.match(layer.vllmName(), shards);
    if (result instanceof ModelOptExclusions.Split split) {
      problems.add(new Problem("R5", layer, "ValueError: Detected some but not all shards of " + layer.vllmName()
          + " are quantized. All shards of fused layers to have the same precision. (listed: " + split.listed()
          + ")"));
      return new Decision(layer, null, Cause.EXCLUDED, "shards listed in part");
    }
    if (result instanceof ModelOptExclusions.Excluded excluded) {
      return new Decision(layer, null, Cause.EXCLUDED, "matched by exclusion '" + excluded.entry() + "'");
    }
    var forced = ex.forcedUnquantized(layer.vllmName());
    if (forced.isPresent()) {
      return new Decision(layer, null, Cause.FORCED, "vLLM forces ModelOpt layers whose prefix contains '"
          + forced.get() + "' unquantized");
    }
    var layerAlgo = algo;
    if (algo.orElse(null) == QuantAlgo.MIXED_PRECISION) {
      layerAlgo = cfg.quantizedLayers().entrySet().stream()
          .filter(e -> layer.name().equals(e.getKey()) || layer.vllmName().equals(e.getKey())
              || layer.shards().stream().anyMatch(s -> s.module().equals(e.getKey())))
          .findFirst().flatMap(e -> QuantAlgo.parse(e.getValue()));
      if (layerAlgo.isEmpty()) {
        return new Decision(layer, null, Cause.EXCLUDED, "not listed in quantized_layers");
      }
    }
    var scheme = layerAlgo.map(a -> LayerScheme.modelOpt(a, cfg.groupSize().orElse(0)))
        .orElse(new LayerScheme(LayerScheme.Kind.UNSUPPORTED, "ModelOpt " + cfg.quantAlgo().orElse("(no quant_algo)"),
            0, 0, null, null, null, null));
    return new Decision(layer, scheme, Cause.QUANTIZED, "no exclusion entry matches " + layer.vllmName());
  }

  private static Decision compressedTensors(Layer layer, CtMatching matching, CtConfig cfg, VllmVersion v,
      List<Problem> problems) {
    if (layer.component() == Component.LM_HEAD) {
      boolean targeted = matching.targets().stream().anyMatch(t -> CtMatching.matches(t.pattern(), layer.vllmName())
          || CtMatching.matches(t.pattern(), "lm_head"));
      if (!v.has(VllmChange.MAIN_2026_05) || !targeted) {
        return new Decision(layer, null, Cause.NOT_QUANTIZABLE, v.has(VllmChange.MAIN_2026_05)
            ? "no target names lm_head" : "compressed-tensors in this vLLM quantizes LinearBase layers only");
      }
    }
    var result = matching.match(layer);
    return switch (result) {
      case CtMatching.Ignored ignored -> new Decision(layer, null, Cause.EXCLUDED,
          "matched by ignore entry '" + ignored.entry() + "'");
      case CtMatching.NoGroups none -> new Decision(layer, null, Cause.EXCLUDED,
          "the config quantizes no weights (KV cache only)");
      case CtMatching.Split split -> {
        problems.add(new Problem("R5", layer, "ValueError: Found a different quantization schemes for "
            + pythonList(layer.shards().stream().map(s -> leaf(s.vllmModule())).toList()) + " in "
            + layer.vllmName() + ". vLLM requires all to use the same scheme."));
        yield new Decision(layer, null, Cause.EXCLUDED, "shards ignored in part");
      }
      case CtMatching.NoTarget none -> {
        problems.add(new Problem("R9", layer, "ValueError: Unable to find matching target for " + layer.vllmName()
            + " in the compressed-tensors config."));
        yield new Decision(layer, null, Cause.EXCLUDED, "no target matches");
      }
      case CtMatching.Matched matched -> new Decision(layer,
          LayerScheme.compressedTensors(matched.group(), cfg.format(), v), Cause.QUANTIZED,
          "matches target '" + matched.target() + "' of " + matched.group().name());
    };
  }

  private static Decision gptq(CheckedModel m, Layer layer, VllmVersion v) {
    var node = m.quant.node();
    var scheme = LayerScheme.gptq(m.quant.method(), node.path("bits").asInt(4), node.path("group_size").asInt(128));
    if (layer.component() == Component.LM_HEAD && !node.path("lm_head").asBoolean(false)) {
      return new Decision(layer, null, Cause.NOT_QUANTIZABLE, "lm_head is not quantized (config lm_head false)");
    }
    if (layer.tower() && m.vllm.isQwen() && !v.has(VllmChange.GPTQ_MODULE_LIST)) {
      return new Decision(layer, null, Cause.FORCED,
          "_maybe_ignore_quant_config drops GPTQ configs for the Qwen-VL vision tower");
    }
    var listed = new ArrayList<String>();
    node.path("modules_in_block_to_quantize").forEach(e -> {
      if (e.isArray()) e.forEach(x -> listed.add(x.asText()));
      else listed.add(e.asText());
    });
    if (v.has(VllmChange.GPTQ_MODULE_LIST) && !listed.isEmpty()
        && listed.stream().noneMatch(entry -> layer.vllmName().contains(entry)
            || layer.shards().stream().anyMatch(s -> s.vllmModule().contains(entry)))) {
      return new Decision(layer, null, Cause.EXCLUDED, "not in modules_in_block_to_quantize");
    }
    return new Decision(layer, scheme, Cause.QUANTIZED, "GPTQ applies to every Linear layer");
  }

  static String leaf(String name) {
    return name.substring(name.lastIndexOf('.') + 1);
  }

  /** A Python list repr of strings: {@code ['q_proj', 'k_proj']}. */
  static String pythonList(List<String> items) {
    return items.stream().map(s -> "'" + s + "'").collect(java.util.stream.Collectors.joining(", ", "[", "]"));
  }
}
