package vlmq.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import vlmq.model.Component;
import vlmq.numeric.DType;

/**
 * The tensors of layers the engine builds quantized, against what its scheme registers: missing scales (R8, which
 * vLLM never notices), wrong dtypes or shapes (C3), and language-model KV-cache scales under names vLLM does not
 * remap (R15).
 */
final class TensorRules {
  private TensorRules() {}

  /** LM KV-scale names vLLM loads (§3.5): ModelOpt, current and legacy compressed-tensors, deprecated kv_scale. */
  private static final Pattern ACCEPTED_KV = Pattern.compile(
      ".*\\.(self_attn|attention|attn)(\\.attn)?\\.(k_scale|v_scale)"
          + "|.*\\.(self_attn|attention|attn)\\.(k_proj\\.k_scale|v_proj\\.v_scale|qkv_proj\\.[kv]_scale)"
          + "|.*\\.[kv]_proj\\.output_scale|.*\\.kv_scale");
  private static final Set<String> WEIGHT_PARAMS = Set.of("weight", "weight_packed", "qweight");

  static List<Finding> check(Context c) {
    var out = new ArrayList<Finding>();
    if (c.plan() != null) expected(c, out);
    r15(c, out);
    return out;
  }

  private static void expected(Context c, List<Finding> out) {
    var missing = new ArrayList<String>();
    var wrongShape = new ArrayList<String>();
    var wrongDtype = new ArrayList<String>();
    String missingExample = null, shapeExample = null, dtypeExample = null;
    for (var d : c.decisions()) {
      if (!d.quantized() || !d.layer().allQuantized()) continue;
      for (var shard : d.layer().shards()) {
        for (var e : d.scheme().expected(shard.module(), shard.out(), shard.in())) {
          var t = shard.params().get(e.param());
          var name = shard.module() + "." + e.param();
          if (t == null) {
            if (WEIGHT_PARAMS.contains(e.param())) {
              wrongShape.add(name);
              if (shapeExample == null) shapeExample = name + " is absent (the module stores " + shard.storage()
                  + "); " + d.scheme().label() + " registers " + e.describe();
            } else {
              missing.add(name);
              if (missingExample == null) missingExample = name + " (" + e.describe() + ")";
            }
            continue;
          }
          boolean dtypeOk = e.dtypes().contains(t.dtype())
              || (e.dtypes().contains(DType.F32) && Expected.FLOATS.contains(t.dtype()));
          if (!e.shapeMatches(t.shape())) {
            wrongShape.add(t.name());
            if (shapeExample == null) shapeExample = t.name() + " is " + t.dtype().headerName()
                + Arrays.toString(t.shape()) + ", " + d.scheme().label() + " expects " + e.describe();
          } else if (!dtypeOk) {
            wrongDtype.add(t.name());
            if (dtypeExample == null) dtypeExample = t.name() + " is " + t.dtype().headerName() + ", "
                + d.scheme().label() + " expects " + e.describe();
          }
        }
      }
    }
    if (!missing.isEmpty()) {
      out.add(Finding.of("R8", Severity.SILENT, RuleCatalog.title("R8"), missing,
          "no error: the parameter keeps its float32-min fill (vLLM checks for uninitialised weights only in"
              + " unquantized models), so these layers produce garbage — e.g. " + missingExample,
          c.quantize(c.schemeName()) + "  (the missing scales cannot be recovered from the stored weights)",
          "[S]"));
    }
    if (!wrongShape.isEmpty()) {
      out.add(Finding.of("C3", Severity.ERROR, RuleCatalog.title("C3") + ": shape", wrongShape,
          "AssertionError in the weight loader (param_data.shape == loaded_weight.shape) or KeyError — "
              + shapeExample, c.repair() + "  (rewrites the config to the scheme the tensors actually hold)", "[I]"));
    }
    if (!wrongDtype.isEmpty()) {
      out.add(Finding.of("C3", Severity.SILENT, RuleCatalog.title("C3") + ": dtype", wrongDtype,
          "no error: copy_() converts the values numerically into the registered dtype, which changes what the codes"
              + " or scales mean — " + dtypeExample, c.quantize(c.schemeName()), "[S] loader, [I] effect"));
    }
  }

  private static void r15(Context c, List<Finding> out) {
    var m = c.m();
    var bad = m.tensors().stream().map(t -> t.name())
        .filter(n -> (n.endsWith(".k_scale") || n.endsWith(".v_scale")) && m.component(n) == Component.LANGUAGE)
        .filter(n -> !ACCEPTED_KV.matcher(n).matches()).toList();
    if (bad.isEmpty()) return;
    out.add(Finding.of("R15", Severity.SILENT, RuleCatalog.title("R15"), bad,
        "warning 'Found k_scale in the checkpoint (e.g. " + m.vllmName(bad.getFirst()) + "), but not found the expected"
            + " name in the model … k_scale is not loaded.' — the FP8 KV cache then runs with scale 1.0 (silent"
            + " accuracy loss); loaders without the remap raise KeyError",
        c.repair() + "  (renames KV scales to <attn>.k_proj.k_scale / <attn>.v_proj.v_scale or <attn>.k_scale)",
        "[S]"));
  }
}
