package vlmq.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import vlmq.model.Component;

/**
 * Layers whose precision in the checkpoint differs from what vLLM builds: bf16 weights in a layer built quantized
 * (R3 ModelOpt, R4 compressed-tensors, R24 GPTQ, C6 otherwise) and quantized tensors in a layer built unquantized
 * (R2 ModelOpt's forced tower, R24 GPTQ's dropped tower config, C5 lm_head, C6 otherwise). Fused layers whose shards
 * disagree are R5's.
 */
final class LayerRules {
  private LayerRules() {}

  static List<Finding> check(Context c) {
    var builtQuantized = new LinkedHashMap<String, List<VllmPlan.Decision>>();
    var builtPlain = new LinkedHashMap<String, List<VllmPlan.Decision>>();
    for (var d : c.decisions()) {
      var layer = d.layer();
      if (TowerRules.unquantizable(layer.name()) || (layer.fused() && layer.anyQuantized() && !layer.allQuantized())) {
        continue;
      }
      if (d.cause() == VllmPlan.Cause.NO_QUANTIZATION && c.m().quant.quantized()) continue; // R9 reports the config
      if (d.quantized() && !layer.anyQuantized()) {
        builtQuantized.computeIfAbsent(ruleForBf16(c), k -> new ArrayList<>()).add(d);
      }
      if (!d.quantized() && layer.anyQuantized()) {
        builtPlain.computeIfAbsent(ruleForQuantized(c, d), k -> new ArrayList<>()).add(d);
      }
    }
    var out = new ArrayList<Finding>();
    builtQuantized.forEach((rule, ds) -> out.add(bf16BuiltQuantized(c, rule, ds)));
    builtPlain.forEach((rule, ds) -> out.add(quantizedBuiltPlain(c, rule, ds)));
    return out;
  }

  private static String ruleForBf16(Context c) {
    var q = c.m().quant;
    if (q.isModelOpt()) return "R3";
    if (q.isCompressedTensors()) return "R4";
    if (q.isGptqFamily()) return "R24";
    return "C6";
  }

  private static String ruleForQuantized(Context c, VllmPlan.Decision d) {
    var q = c.m().quant;
    if (d.layer().component() == Component.LM_HEAD) return "C5";
    if (q.isModelOpt() && d.cause() == VllmPlan.Cause.FORCED && d.layer().tower()) return "R2";
    if (q.isGptqFamily() && d.layer().tower()) return "R24";
    return "C6";
  }

  private static Finding bf16BuiltQuantized(Context c, String rule, List<VllmPlan.Decision> ds) {
    var first = ds.getFirst();
    var scheme = first.scheme();
    boolean silent = ds.stream().allMatch(d -> d.scheme().takesUnquantizedWeight());
    boolean tower = ds.stream().anyMatch(d -> d.layer().tower());
    var v = c.version().label();
    String message;
    if (silent) {
      message = "no error: vLLM " + v + " builds " + first.layer().vllmName() + " as " + scheme.label() + " ("
          + first.why() + "); the bf16 weight is cast into its 8-bit 'weight' parameter and weight_scale/input_scale"
          + " keep their float32-min fill, so " + (tower
              ? "the vision features no longer depend on the image (outputs collapse to the biases): images are"
                  + " ignored or hallucinated"
              : "these layers produce garbage");
    } else if (scheme.algo() != null) {
      message = "AssertionError in the weight loader: '" + first.layer().shards().getFirst().vllmModule()
          + ".weight' is bf16 [" + first.layer().shards().getFirst().out() + ", " + first.layer().in()
          + "] but vLLM " + v + " built it as " + scheme.label() + " (uint8, half the columns): " + first.why();
    } else {
      var shard = first.layer().shards().getFirst();
      var key = first.layer().tower() ? c.m().vllm.towerKey(shard.vllmModule() + ".weight")
          : stacked(shard.vllmModule() + ".weight");
      message = "KeyError: '" + key + "' (vLLM " + v + " built the layer as " + scheme.label()
          + ", which has no 'weight' parameter) — " + first.why();
    }
    message += exclusionNote(c);
    var what = tower ? "vision/projector modules are bf16 in the checkpoint but vLLM builds them quantized"
        : "bf16 modules that vLLM builds quantized";
    var fix = switch (rule) {
      case "R3" -> c.repair() + "  (writes the exclusions as exact names, 'prefix' + 'prefix.*' and a bare token, under"
          + " both 'ignore' and 'exclude_modules' and in hf_quant_config.json)";
      case "R4" -> c.repair() + "  (lists every bf16 module by its vLLM and HF names in 'ignore')";
      case "R24" -> "add modules_in_block_to_quantize naming only the language-model modules to quantization_config"
          + " (vlmq repair reads compressed-tensors and ModelOpt only), or " + c.quantize("W4A16");
      default -> repairable(c) ? c.repair() + "  (makes the config exclude exactly the bf16 modules)"
          : c.quantize("FP8_DYNAMIC");
    };
    return Finding.of(rule, silent ? Severity.SILENT : Severity.ERROR, RuleCatalog.title(rule) + ": " + what,
        names(ds), message, fix, rule.equals("R3") || rule.equals("R4") ? "[S] matching, [I] effect" : "[I]");
  }

  private static Finding quantizedBuiltPlain(Context c, String rule, List<VllmPlan.Decision> ds) {
    var params = new ArrayList<String>();
    for (var d : ds) {
      for (var s : d.layer().shards()) {
        s.params().forEach((p, t) -> {
          if (Shard.QUANT_PARAMS.contains(p)) params.add(t.name());
        });
      }
    }
    var first = ds.getFirst();
    String message;
    var severity = Severity.ERROR;
    if (params.isEmpty()) { // 8-bit weights without any scale: nothing for the loader to trip over
      severity = Severity.SILENT;
      message = "no error: vLLM " + c.version().label() + " builds " + first.layer().vllmName() + " unquantized ("
          + first.why() + ") and copy_() casts the stored " + first.layer().shards().getFirst().storage()
          + " codes into bf16 without any scale: garbage outputs";
    } else {
      var firstName = c.m().loadOrder(params).getFirst();
      var layerOfFirst = ds.stream().filter(d -> d.layer().shards().stream()
          .anyMatch(s -> firstName.startsWith(s.module() + "."))).findFirst().orElse(first);
      var vllmName = c.m().vllmName(firstName);
      var key = layerOfFirst.layer().tower() ? c.m().vllm.towerKey(vllmName) : stacked(vllmName);
      message = "KeyError: '" + key + "' — vLLM " + c.version().label() + " builds "
          + layerOfFirst.layer().vllmName() + " unquantized (" + layerOfFirst.why() + "), so it has no "
          + VllmPlan.leaf(firstName) + " parameter";
    }
    var fix = switch (rule) {
      case "R2" -> c.repair() + "  (dequantizes the vision tower to bf16, as every vLLM since 0.11 expects for"
          + " ModelOpt towers)";
      case "R24" -> c.quantize(c.schemeName()) + "  (keeps the vision tower bf16)";
      case "C5" -> c.repair() + "  (dequantizes lm_head to bf16)";
      default -> repairable(c) ? c.repair() + "  (makes the config's exclusions match the tensors)"
          : c.quantize("FP8_DYNAMIC");
    };
    var what = rule.equals("C5") ? "lm_head is quantized but this vLLM builds it unquantized"
        : "quantized modules that vLLM builds unquantized";
    return Finding.of(rule, severity, RuleCatalog.title(rule) + ": " + what, names(ds), message, fix,
        rule.equals("R2") ? "[S] build, [I] exact key" : "[I]");
  }

  /** {@code vlmq repair} rewrites compressed-tensors and ModelOpt configs; other methods need re-quantizing. */
  private static boolean repairable(Context c) {
    return c.m().quant.isModelOpt() || c.m().quant.isCompressedTensors();
  }

  /** The language model's stacked-parameter rename: shard names become the fused parameter's. */
  static String stacked(String vllmName) {
    return vllmName.replace(".q_proj.", ".qkv_proj.").replace(".k_proj.", ".qkv_proj.").replace(".v_proj.", ".qkv_proj.")
        .replace(".gate_proj.", ".gate_up_proj.").replace(".up_proj.", ".gate_up_proj.");
  }

  private static String exclusionNote(Context c) {
    if (c.plan().exclusions.isPresent()) return ". " + c.plan().exclusions.get().describe();
    if (c.plan().ct.isPresent()) {
      var ignore = c.plan().ct.get().ignore();
      var shown = ignore.size() > 6 ? new ArrayList<>(ignore.subList(0, 6)) : new ArrayList<>(ignore);
      var text = VllmPlan.pythonList(shown);
      if (ignore.size() > 6) text = text.substring(0, text.length() - 1) + ", … " + (ignore.size() - 6) + " more]";
      return "; ignore entries as vLLM " + c.version().label() + " matches them: " + text;
    }
    return "";
  }

  /** The checkpoint modules behind the layers (shards of fused layers listed one by one). */
  private static List<String> names(List<VllmPlan.Decision> ds) {
    return ds.stream().flatMap(d -> d.layer().shards().stream()).map(Shard::module).toList();
  }
}
