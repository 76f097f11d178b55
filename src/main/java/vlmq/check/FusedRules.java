package vlmq.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import vlmq.format.modelopt.ModelOptTensors;
import vlmq.io.safetensors.Checkpoint.Tensor;

/**
 * Fused layers (q/k/v → qkv_proj, gate/up → gate_up_proj, Qwen3.5 in_proj_*, experts) must be quantized as one
 * (producer rule P5): shards split by the config or the checkpoint (R5), shards quantized differently (R6), and NVFP4
 * shards whose global scales differ, which vLLM reduces with max() without requantizing (R10).
 */
final class FusedRules {
  private FusedRules() {}

  /** NVFP4 per-tensor scales vLLM takes the max of across shards. */
  private static final List<String> GLOBAL_SCALES = List.of("weight_scale_2", "weight_global_scale", "input_scale",
      "input_global_scale");

  static List<Finding> check(Context c) {
    var out = new ArrayList<Finding>();
    if (c.plan() != null) configSplit(c, out);
    checkpointSplit(c, out);
    if (c.plan() != null) differentSchemes(c, out);
    unequalGlobalScales(c, out);
    return out;
  }

  private static void configSplit(Context c, List<Finding> out) {
    var split = c.plan().problems.stream().filter(p -> p.rule().equals("R5")).toList();
    if (split.isEmpty()) return;
    out.add(Finding.of("R5", Severity.ERROR, RuleCatalog.title("R5") + ": the exclusion/ignore list names some shards"
            + " of a fused layer but not the others",
        split.stream().flatMap(p -> p.layer().modules().stream()).toList(), split.getFirst().message(),
        c.repair() + "  (lists every shard of each fused layer, or none)", "[S]"));
  }

  private static void checkpointSplit(Context c, List<Finding> out) {
    var split = c.m().layers.stream().filter(l -> l.fused() && l.anyQuantized() && !l.allQuantized()).toList();
    if (split.isEmpty()) return;
    var first = split.getFirst();
    var detail = first.shards().stream().map(s -> VllmPlan.leaf(s.module()) + " " + s.storage())
        .collect(Collectors.joining(", "));
    var severity = Severity.ERROR;
    String message;
    Optional<VllmPlan.Decision> decision = c.plan() == null ? Optional.empty()
        : c.plan().decisions.stream().filter(d -> d.layer().equals(first)).findFirst();
    if (decision.isPresent() && decision.get().quantized()) {
      var scheme = decision.get().scheme();
      severity = scheme.takesUnquantizedWeight() ? Severity.SILENT : Severity.ERROR;
      message = (severity == Severity.SILENT ? "no error: " : "load error: ") + first.vllmName() + " is built as "
          + scheme.label() + "; its bf16 shards are " + (severity == Severity.SILENT
              ? "cast into the 8-bit weight with uninitialised scales (garbage outputs)"
              : "refused by the weight loader (shape/parameter mismatch)") + " [" + detail + "]";
    } else {
      message = "KeyError on the quantized shards' scales: " + first.vllmName() + " is built unquantized ["
          + detail + "]; with a config that lists the bf16 shards vLLM raises 'Detected some but not all shards of "
          + first.vllmName() + " are quantized.'";
    }
    out.add(Finding.of("R5", severity, RuleCatalog.title("R5") + ": some shards are bf16, others quantized",
        split.stream().flatMap(l -> l.modules().stream()).toList(), message, c.repair()
            + "  (dequantizes the quantized shards, so the fused layer is bf16 throughout)",
        "[S] selection, [I] outcome"));
  }

  private static void differentSchemes(Context c, List<Finding> out) {
    var layers = new ArrayList<String>();
    String example = null;
    for (var d : c.decisions()) {
      var layer = d.layer();
      if (!layer.fused() || !d.quantized() || !layer.allQuantized()) continue;
      String why = null;
      if (c.plan().ct.isPresent()) {
        var groups = c.plan().ct.get().shardGroups(layer).stream().map(g -> g.map(CtConfig.Group::name).orElse("-"))
            .distinct().toList();
        if (groups.size() > 1) why = "shards match config groups " + groups + "; vLLM uses the first shard's";
      }
      var layouts = layer.shards().stream().map(FusedRules::layout).distinct().toList();
      if (why == null && layouts.size() > 1) why = "shards store different tensors: " + String.join(" | ", layouts);
      if (why == null) continue;
      layers.addAll(layer.modules());
      if (example == null) example = layer.vllmName() + ": " + why;
    }
    if (layers.isEmpty()) return;
    out.add(Finding.of("R6", Severity.SILENT, RuleCatalog.title("R6"), layers,
        "no error at config time: one scheme is applied to the whole fused layer; the other shards load with the wrong"
            + " layout (a shape AssertionError) or wrong scales — " + example,
        c.quantize(c.schemeName()) + "  (one scheme per fused layer)", "[S] selection, [I] outcome"));
  }

  /**
   * The shard's parameters with dtypes, ignoring shapes (shards of q/k/v differ in out_features), biases and the
   * attention's KV-cache scales ModelOpt stores under k_proj/v_proj (they belong to the attention, not the Linear).
   */
  private static String layout(Shard s) {
    var sorted = new TreeMap<String, Tensor>(s.params());
    return sorted.entrySet().stream()
        .filter(e -> !e.getKey().equals("bias") && !ModelOptTensors.ATTENTION_PARAMS.contains(e.getKey()))
        .map(e -> e.getKey() + " " + e.getValue().dtype().headerName()).collect(Collectors.joining(", "));
  }

  private static void unequalGlobalScales(Context c, List<Finding> out) {
    var layers = new ArrayList<String>();
    String example = null;
    for (var layer : c.m().layers) {
      if (!layer.fused() || !layer.allQuantized() || !isNvfp4(layer)) continue;
      for (var param : GLOBAL_SCALES) {
        var values = new ArrayList<Float>();
        for (var s : layer.shards()) {
          var t = s.params().get(param);
          if (t == null || t.info().elementCount() != 1 || !t.dtype().isFloatingPoint() || t.dtype().bits() < 16) break;
          values.add((float) c.m().scalar(t));
        }
        if (values.size() != layer.shards().size() || values.stream().distinct().count() == 1) continue;
        layers.addAll(layer.modules());
        if (example == null) {
          var perShard = new TreeMap<String, Float>();
          for (int i = 0; i < values.size(); i++) {
            perShard.put(VllmPlan.leaf(layer.shards().get(i).module()), values.get(i));
          }
          example = layer.name() + " " + param + " " + perShard;
        }
        break;
      }
    }
    if (layers.isEmpty()) return;
    out.add(Finding.of("R10", Severity.SILENT, RuleCatalog.title("R10"), layers,
        "no error: vLLM takes max() of the shards' global scales and does not requantize the FP8 block scales, so"
            + " the smaller-scaled shards come out mis-scaled — " + example,
        c.repair() + "  (requantizes the other shards under the layer's shared global scale; or "
            + c.quantize(c.schemeName()) + ", which shares one global scale as ModelOpt and llm-compressor do)",
        "[S] + [I]"));
  }

  private static boolean isNvfp4(Layer layer) {
    return layer.shards().stream().allMatch(s -> s.params().containsKey("weight_scale_2")
        || s.params().containsKey("weight_global_scale"));
  }
}
