package vlmq.check;

import java.util.ArrayList;
import java.util.List;
import vlmq.format.modelopt.ModelOptTensors;
import vlmq.model.Family;

/**
 * The vision side: KV-cache scales no tower can load (R1, which also enforces producer rule P2), quantized tensors on
 * modules vLLM always builds in bf16 (R7), and the producer rules for towers: keep them bf16 (P1), write ModelOpt
 * exclusions three ways (P3), cover them in compressed-tensors with explicit names or unanchored regexes (P6).
 */
final class TowerRules {
  private TowerRules() {}

  /**
   * Modules vLLM builds without a quant method whatever the config (§5): Qwen {@code patch_embed}, InternVL
   * {@code mlp1}, the SigLIP pooling {@code head}. Gemma 3's raw {@code mm_input_projection_weight} is a parameter,
   * not a module; R7 checks it by name.
   */
  static boolean unquantizable(String module) {
    return module.contains("patch_embed") || module.contains("mlp1.") || module.endsWith("mlp1")
        || module.matches(".*vision.*\\.head(\\..*)?");
  }

  static List<Finding> check(Context c) {
    var out = new ArrayList<Finding>();
    r1(c, out);
    r7(c, out);
    p1(c, out);
    if (c.target().isVllm() && c.m().quant.isModelOpt()) p3(c, out);
    if (c.target().isVllm() && c.m().quant.isCompressedTensors()) p6(c, out);
    return out;
  }

  private static void r1(Context c, List<Finding> out) {
    var m = c.m();
    var kv = m.tensors().stream().map(t -> t.name())
        .filter(n -> m.underTower(n) && ModelOptTensors.isAttentionParam(n)).toList();
    if (kv.isEmpty()) return;
    var first = m.loadOrder(kv).getFirst();
    var key = m.vllm.towerKey(m.vllmName(first));
    var family = m.map.family();
    var basis = family.map(f -> switch (f) {
      case QWEN2_VL, QWEN2_5_VL, QWEN3_VL, QWEN3_5 -> "[S]";
      default -> "[I]";
    }).orElse("[I]");
    String message;
    if (c.target().isVllm() || c.target().engine() == Engine.SGLANG) {
      message = "KeyError: '" + key + "' — " + m.vllm.towerClass() + ".load_weights looks every name up directly: the"
          + " tower has no k_scale/v_scale parameters (its attention calls flash-attn/SDPA, not vLLM's Attention) and"
          + " never remaps KV-scale names";
      if (c.target().engine() == Engine.SGLANG) basis = "[T] (sgl-project/sglang #25792 for Gemma 3)";
    } else if (c.target().engine() == Engine.TRTLLM) {
      message = "vision KV scales have no parameter in the TensorRT-LLM vision model; loading fails on them";
      basis = "[I]";
    } else {
      message = "no error: transformers reports them as unexpected keys ('Some weights of the checkpoint … were not"
          + " used') and drops them";
    }
    var severity = c.target().engine() == Engine.TRANSFORMERS ? Severity.INFO : Severity.ERROR;
    var what = family.map(Family::displayName).orElse("vision tower") + ": " + kv.size()
        + " KV-cache tensor(s) on vision attention (ModelOpt names them k_proj.k_scale/v_proj.v_scale although the"
        + " tower has no k_proj)";
    out.add(Finding.of("R1", severity, RuleCatalog.title("R1") + " — " + what, kv, message,
        c.repair() + "  (drops the vision KV-cache tensors; producer rule P2: never emit them)", basis));
  }

  private static void r7(Context c, List<Finding> out) {
    var bad = new ArrayList<String>();
    for (var t : c.m().tensors()) {
      var name = t.name();
      var module = name.substring(0, Math.max(name.lastIndexOf('.'), 0));
      var param = name.substring(name.lastIndexOf('.') + 1);
      boolean gemmaProjection = param.startsWith("mm_input_projection_weight")
          && (t.dtype().bits() <= 8 || !param.equals("mm_input_projection_weight"));
      boolean quantParam = Shard.QUANT_PARAMS.contains(param) || (param.equals("weight") && t.dtype().bits() <= 8);
      if (gemmaProjection || (quantParam && unquantizable(module))) bad.add(name);
    }
    if (bad.isEmpty()) return;
    var first = c.m().loadOrder(bad).getFirst();
    out.add(Finding.of("R7", Severity.ERROR, RuleCatalog.title("R7"), bad,
        "KeyError: '" + c.m().vllm.towerKey(c.m().vllmName(first)) + "' (or a size mismatch): vLLM builds this"
            + " module as a plain conv/Linear/Parameter without quantization parameters (InternVL: vllm #19424)",
        c.quantize(c.schemeName()) + "  (keeps patch embeddings, projectors and pooling heads bf16)",
        "[S] build, [T] #19424"));
  }

  private static void p1(Context c, List<Finding> out) {
    var quantized = c.m().layers.stream().filter(l -> l.tower() && l.anyQuantized())
        .flatMap(l -> l.modules().stream()).toList();
    if (quantized.isEmpty()) return;
    out.add(Finding.of("P1", Severity.INFO, RuleCatalog.title("P1"), quantized,
        "quantized vision towers load only in some engine versions (vLLM forces ModelOpt towers unquantized from"
            + " 0.11 for vision_tower/vision_model and in main for visual; GPTQ configs skipped Qwen towers before"
            + " 0.11.1), and vision dims often break kernels",
        c.repair() + "  (dequantizes the tower and projector to bf16; vlmq quantize keeps them bf16 by default)",
        "[S]"));
  }

  private static void p3(Context c, List<Finding> out) {
    var cfg = c.m().quant.modelopt();
    if (cfg.isEmpty()) return;
    var tower = c.m().layers.stream().filter(l -> l.tower() && !l.anyQuantized()).toList();
    if (tower.isEmpty()) return;
    var entries = new ArrayList<String>();
    cfg.get().excludeModules().ifPresent(entries::addAll);
    cfg.get().ignore().ifPresent(entries::addAll);
    c.m().quant.hfQuantConfig().flatMap(h -> h.excludeModules()).ifPresent(entries::addAll);
    var names = tower.stream().flatMap(l -> l.shards().stream()).flatMap(s -> c.m().map.names(s.module()).all()
        .stream()).distinct().toList();
    // a bare token ends with a dot ('visual.'); towers kept as separate subtrees (LLaVA's vision_tower and
    // multi_modal_projector) need one each
    boolean token = tower.stream().allMatch(l -> entries.stream().anyMatch(e -> !Patterns.isGlob(e) && e.endsWith(".")
        && l.vllmName().contains(e) && l.name().contains(e)));
    boolean exact = tower.stream().flatMap(l -> l.shards().stream()).allMatch(s -> entries.contains(s.module()));
    boolean prefixPair = entries.stream().anyMatch(e -> !Patterns.isGlob(e) && entries.contains(e + ".*")
        && names.stream().allMatch(n -> n.startsWith(e + ".") || !n.contains(e)));
    var missing = new ArrayList<String>();
    if (!exact && !prefixPair) missing.add("exact HF module names or the pair 'prefix' + 'prefix.*'");
    if (!token) missing.add("a bare substring token such as 'visual.' or 'vision_tower.'");
    if (missing.isEmpty()) return;
    out.add(Finding.of("P3", Severity.INFO, RuleCatalog.title("P3") + ": missing " + String.join(" and ", missing),
        tower.stream().flatMap(l -> l.modules().stream()).toList(),
        "each vLLM generation matches ModelOpt exclusions differently (substring, exact, fnmatch after mapping);"
            + " the tower stays bf16 across versions only if every form is present",
        c.repair(), "[S]"));
  }

  private static void p6(Context c, List<Finding> out) {
    var anchored = new ArrayList<String>();
    for (var d : c.decisions()) {
      if (!d.layer().tower() || d.quantized() || d.cause() != VllmPlan.Cause.EXCLUDED) continue;
      var entry = d.why().replaceAll("^matched by ignore entry '(.*)'$", "$1");
      if (entry.startsWith("re:") && !entry.startsWith("re:.*")) anchored.addAll(d.layer().modules());
    }
    if (anchored.isEmpty()) return;
    out.add(Finding.of("P6", Severity.INFO, RuleCatalog.title("P6"), anchored,
        "these modules are ignored through an anchored regex; it matches vLLM's names but not transformers' runtime"
            + " names (model.visual.…) or the other hub layout, so other loaders quantize the tower",
        c.repair() + "  (lists the modules by name and as re:.*<tower>.*)", "[S]"));
  }
}
