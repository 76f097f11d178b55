package vlmq.check;

import java.util.ArrayList;
import java.util.List;
import vlmq.format.modelopt.QuantAlgo;

/**
 * SGLang and TensorRT-LLM, from the issue threads and source passages engine-loading-rules §7 cites: their ModelOpt
 * exclusion matching, SGLang's {@code qkv_proj} naming of Qwen vision attention, and TensorRT-LLM's partial
 * compressed-tensors support. Versions are those of the threads.
 */
final class OtherEngineRules {
  private OtherEngineRules() {}

  static List<Finding> check(Context c) {
    var out = new ArrayList<Finding>();
    switch (c.target().engine()) {
      case SGLANG -> sglang(c, out);
      case TRTLLM -> trtllm(c, out);
      default -> { }
    }
    return out;
  }

  /** SGLang's module names: vLLM's without the language_model wrapper, Qwen vision qkv named qkv_proj. */
  static String sglangName(CheckedModel m, String vllmName) {
    var name = vllmName.replace("language_model.model.", "model.").replace("language_model.lm_head", "lm_head");
    return m.vllm.isQwen() && name.endsWith(".attn.qkv") ? name + "_proj" : name;
  }

  private static void sglang(Context c, List<Finding> out) {
    var q = c.m().quant;
    if (q.isModelOpt() && q.modelopt().isPresent()) {
      var cfg = q.modelopt().get();
      if (cfg.algo().orElse(null) != QuantAlgo.FP8) {
        out.add(Finding.of("R9", Severity.INFO, RuleCatalog.title("R9") + ": SGLang ModelOpt FP8 only", List.of(),
            "ModelOpt only supports static FP8 quantization in SGLang. (one SGLang version; newer ones add"
                + " modelopt_fp4)", "check your SGLang version's ModelOpt support", "[S] per §7"));
      }
      var missed = new ArrayList<String>();
      for (var layer : c.m().layers) {
        if (!layer.tower() || layer.anyQuantized()) continue;
        var prefix = sglangName(c.m(), layer.vllmName());
        var stripped = prefix.startsWith("language_model.") ? prefix.substring("language_model.".length()) : prefix;
        boolean excluded = cfg.exclusions().stream().anyMatch(e -> prefix.contains(e) || stripped.contains(e));
        if (!excluded) missed.addAll(layer.modules());
      }
      if (!missed.isEmpty()) {
        out.add(Finding.of("R3", Severity.SILENT, RuleCatalog.title("R3") + " (SGLang raw substring matching)", missed,
            "no error: SGLang matches exclude_modules as raw substrings of its module names (e.g. '"
                + sglangName(c.m(), c.m().layers.stream().filter(Layer::tower).findFirst().orElseThrow().vllmName())
                + "'); none of " + VllmPlan.pythonList(cfg.exclusions()) + " is one, so the bf16 tower is built FP8"
                + " with uninitialised scales",
            c.repair() + "  (adds bare substring tokens such as 'visual.')", "[S] matching, [I] names"));
      }
    }
    if (q.isCompressedTensors() && q.ct().isPresent() && c.m().vllm.isQwen()) {
      var ignore = q.ct().get().ignore();
      var missed = c.m().layers.stream().filter(l -> l.tower() && !l.anyQuantized() && l.vllmName().endsWith(".attn.qkv"))
          .filter(l -> c.m().map.names(l.name()).all().stream().anyMatch(ignore::contains)
              && ignore.stream().noneMatch(e -> CtMatching.matches(e, sglangName(c.m(), l.vllmName()))))
          .flatMap(l -> l.modules().stream()).toList();
      if (!missed.isEmpty()) {
        out.add(Finding.of("R4", Severity.SILENT, RuleCatalog.title("R4") + " (SGLang names Qwen vision qkv"
                + " 'qkv_proj')", missed,
            "no error: SGLang's VisionAttention calls the fused linear qkv_proj, so ignore entries naming attn.qkv miss"
                + " it and the ViT is quantized: nonsense image answers", c.repair()
                + "  (lists both …attn.qkv and …attn.qkv_proj)", "[T] sgl-project/sglang #9596"));
      }
    }
  }

  private static void trtllm(Context c, List<Finding> out) {
    var q = c.m().quant;
    if (q.isModelOpt()) {
      var bf16Tower = c.m().layers.stream().filter(l -> l.tower() && !l.anyQuantized())
          .flatMap(l -> l.modules().stream()).toList();
      if (!bf16Tower.isEmpty() && c.m().vllm.isQwen()) {
        out.add(Finding.of("R3", Severity.ERROR, RuleCatalog.title("R3") + " (TensorRT-LLM builds the tower"
                + " quantized)", bf16Tower,
            "missing keys such as visual.blocks.0.attn.qkv_proj.weight_scale / input_scale / kv_scales: the vision"
                + " model was built quantized although the checkpoint tower is bf16 (TensorRT-LLM 1.2.0rc0)",
            "use a TensorRT-LLM release with the fix, or serve with vLLM", "[T] NVIDIA/TensorRT-LLM #8569"));
      }
    }
    if (q.isCompressedTensors() && q.ct().isPresent()) {
      var groups = q.ct().get().groups();
      var messages = new ArrayList<String>();
      if (groups.stream().noneMatch(g -> g.name().equals("group_0"))) {
        messages.add("KeyError: 'group_0' (the parser reads config_groups['group_0'] before PR #15415)");
      }
      if (groups.size() > 1) {
        messages.add(groups.size() + " config groups: TensorRT-LLM applies one scheme globally; mixed groups still"
            + " fail to load (#17723)");
      }
      if (!messages.isEmpty()) {
        out.add(Finding.of("R9", Severity.ERROR, RuleCatalog.title("R9") + " (TensorRT-LLM compressed-tensors)",
            List.of(), String.join("\n", messages), c.convert("modelopt") + "  (FP8 and NVFP4 schemes; others: "
                + c.quantize("FP8_DYNAMIC --format modelopt") + ")",
            "[T] NVIDIA/TensorRT-LLM #15415, #17723"));
      }
    }
  }
}
