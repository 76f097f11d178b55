package vlmq.check;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;
import vlmq.format.modelopt.ModelOptConfig;
import vlmq.format.modelopt.QuantAlgo;
import vlmq.numeric.DType;

/**
 * The quantization config as the engine parses it: method and algo accepted (R9), NVFP4's required keys (R12), the
 * compressed-tensors KV scheme (R14), config.json against hf_quant_config.json (R18), the KV-cache dtype flag (R19),
 * compressed-tensors ignore entries that cannot match (R22 globs, R23 regexes on renamed prefixes), and producer rule
 * P4 (the exclusion list in every place).
 */
final class ConfigRules {
  private ConfigRules() {}

  /** vLLM's {@code QUANTIZATION_METHODS} at v0.10 (§2 item 6). */
  private static final List<String> VLLM_METHODS = List.of("aqlm", "awq", "deepspeedfp", "tpu_int8", "fp8",
      "ptpc_fp8", "fbgemm_fp8", "modelopt", "modelopt_fp4", "marlin", "bitblas", "gguf", "gptq_marlin_24",
      "gptq_marlin", "gptq_bitblas", "awq_marlin", "gptq", "compressed-tensors", "bitsandbytes", "qqq", "hqq",
      "experts_int8", "neuron_quant", "ipex", "quark", "moe_wna16", "torchao", "auto-round", "rtn", "inc", "mxfp4");
  /** Methods main adds (§2 item 6); placed at the 2026-05 anchor. */
  private static final List<String> VLLM_MAIN_METHODS = List.of("modelopt_mixed", "modelopt_mxfp8", "auto_quant");
  /** transformers 5.18 {@code AUTO_QUANTIZER_MAPPING} keys (read from the installed package). */
  static final List<String> TRANSFORMERS_METHODS = List.of("aqlm", "auto-round", "awq", "bitnet",
      "bitsandbytes_4bit", "bitsandbytes_8bit", "compressed-tensors", "eetq", "fbgemm_fp8", "fouroversix", "fp8",
      "fp_quant", "gemma", "gguf", "gptq", "higgs", "hqq", "metal", "mxfp4", "mxfp8", "nvfp4", "quanto", "quark",
      "sinq", "spqr", "torchao", "vptq");
  private static final List<String> MODELOPT_ALGOS_V10 = List.of("FP8", "NVFP4");
  /** The ModelOpt algos {@code vlmq convert} turns into compressed-tensors, which vLLM 0.10+ loads. */
  private static final Set<QuantAlgo> CONVERTIBLE = EnumSet.of(QuantAlgo.FP8, QuantAlgo.FP8_PER_CHANNEL_PER_TOKEN,
      QuantAlgo.FP8_PB_WO, QuantAlgo.NVFP4, QuantAlgo.W4A16_NVFP4);
  private static final List<String> MODELOPT_ALGOS_MAIN = List.of("FP8", "FP8_PER_CHANNEL_PER_TOKEN", "FP8_PB_WO",
      "NVFP4", "W4A16_NVFP4", "MXFP8", "MIXED_PRECISION");

  static List<Finding> check(Context c) {
    var out = new ArrayList<Finding>();
    if (c.target().isVllm()) {
      r9(c, out);
      r12(c, out);
      r14(c, out);
      r18(c, out);
      r19(c, out);
      ignoreEntries(c, out);
      p4(c, out);
    } else if (c.target().engine() == Engine.TRANSFORMERS) {
      transformersMethod(c, out);
    }
    return out;
  }

  private static void r9(Context c, List<Finding> out) {
    var q = c.m().quant;
    var v = c.version();
    var messages = new ArrayList<>(q.problems());
    var methods = new ArrayList<>(VLLM_METHODS);
    if (v.has(VllmChange.MAIN_2026_05)) methods.addAll(VLLM_MAIN_METHODS);
    if (q.quantized() && !methods.contains(q.method())) {
      messages.add("ValueError: Unknown quantization method: " + q.method() + ". Must be one of "
          + VllmPlan.pythonList(methods) + ".");
    }
    if (q.isModelOpt() && q.modelopt().isPresent()) {
      var algo = q.modelopt().get().quantAlgo().map(a -> a.toUpperCase(Locale.ROOT));
      var algos = v.has(VllmChange.MAIN_2026_05) ? MODELOPT_ALGOS_MAIN : MODELOPT_ALGOS_V10;
      if (algo.isEmpty()) messages.add("ValueError: Missing 'quant_algo' in quantization config");
      else if (!algos.contains(algo.get())) {
        messages.add("ValueError: ModelOpt currently only supports: " + VllmPlan.pythonList(algos)
            + " quantizations in vLLM. Please check the `hf_quant_config.json` file for your model's quant"
            + " configuration. (found '" + algo.get() + "')");
      }
    }
    q.ct().ifPresent(ct -> ct.groups().stream().filter(g -> g.scheme() == null).forEach(g ->
        messages.add("pydantic ValidationError (compressed-tensors QuantizationScheme): " + g.error())));
    var unsupported = new ArrayList<String>();
    for (var d : c.decisions()) {
      if (d.quantized() && d.scheme().kind() == LayerScheme.Kind.UNSUPPORTED && q.isCompressedTensors()) {
        unsupported.addAll(d.layer().modules());
      }
    }
    if (!unsupported.isEmpty()) {
      messages.add("NotImplementedError: No compressed-tensors compatible scheme was found. (" + unsupported.size()
          + " layer(s))");
    }
    var noTarget = c.plan().problems.stream().filter(p -> p.rule().equals("R9")).toList();
    if (!noTarget.isEmpty()) messages.add(noTarget.getFirst().message());
    if (messages.isEmpty()) return;
    var modules = new ArrayList<>(unsupported);
    noTarget.forEach(p -> modules.addAll(p.layer().modules()));
    var convertible = q.isModelOpt() && q.problems().isEmpty()
        && q.modelopt().flatMap(ModelOptConfig::algo).filter(CONVERTIBLE::contains).isPresent();
    var fix = convertible
        ? c.convert("compressed-tensors") + "  (the same tensors as a compressed-tensors checkpoint, which this vLLM"
            + " loads)"
        : q.isModelOpt() || q.isCompressedTensors()
            ? c.repair() + "  (rewrites the quantization config in a form this vLLM accepts; unsupported schemes"
                + " need " + c.quantize("FP8_DYNAMIC") + ")"
            : c.quantize("FP8_DYNAMIC");
    out.add(Finding.of("R9", Severity.ERROR, RuleCatalog.title("R9") + " (" + q.origin() + ")", modules,
        String.join("\n", messages), fix, "[S]"));
  }

  private static void transformersMethod(Context c, List<Finding> out) {
    var q = c.m().quant;
    var method = q.origin().equals(ModelOptConfig.HF_QUANT_CONFIG_FILE) ? "(none: transformers does not read"
        + " hf_quant_config.json)" : q.method();
    if (!q.quantized() || TRANSFORMERS_METHODS.contains(q.method())) return;
    boolean packed = c.m().layers.stream().flatMap(l -> l.shards().stream()).anyMatch(s ->
        s.params().containsKey("weight_packed") || s.params().containsKey("qweight") || s.hasWeightDtype(DType.U8));
    var message = "Unknown quantization type, got " + method + " - supported types are: "
        + VllmPlan.pythonList(TRANSFORMERS_METHODS) + ". Hence, we will skip the quantization. — "
        + (packed ? "the packed weights then fail with 'size mismatch' on load"
            : "the 8-bit weights are then cast into bf16 parameters without their scales: outputs are garbage");
    out.add(Finding.of("R9", packed ? Severity.ERROR : Severity.SILENT,
        RuleCatalog.title("R9") + ": transformers has no quantizer for " + method, List.of(), message,
        "export compressed-tensors for transformers: " + c.quantize(c.schemeName()), "[S] transformers 5.18"));
  }

  private static void r12(Context c, List<Finding> out) {
    var q = c.m().quant;
    if (!q.origin().equals(ModelOptConfig.HF_QUANT_CONFIG_FILE) || q.modelopt().isEmpty()) return;
    var cfg = q.modelopt().get();
    if (cfg.algo().orElse(null) != QuantAlgo.NVFP4) return;
    var required = List.of("group_size", "kv_cache_quant_algo", "exclude_modules");
    var missing = required.stream().filter(k -> !cfg.keys().contains(k)).toList();
    if (missing.isEmpty()) return;
    out.add(Finding.of("R12", Severity.ERROR, RuleCatalog.title("R12") + ": missing " + missing, List.of(),
        "ValueError: NVFP4 quantization requires the following fields in hf_quant_config.json: "
            + VllmPlan.pythonList(required), c.repair() + "  (adds the keys; kv_cache_quant_algo may be null)",
        "[S]"));
  }

  private static void r14(Context c, List<Finding> out) {
    var ct = c.m().quant.ct();
    if (ct.isEmpty() || !ct.get().hasKvCacheScheme()) return;
    var kv = ct.get().kvCacheScheme();
    var bits = kv.path("num_bits").asInt(8);
    var type = kv.path("type").asText("int");
    var strategy = kv.path("strategy").asText("tensor");
    boolean symmetric = kv.path("symmetric").asBoolean(true);
    String message = null;
    if (bits != 8 || !type.equals("float")) {
      message = "NotImplementedError: Currently supported kv cache quantization is num_bits=8, type=float, however"
          + " received num_bits=" + bits + ", type=" + type;
    } else if (!strategy.equals("tensor") && !(strategy.equals("attn_head") && c.version().has(VllmChange.MAIN_2026_05))) {
      message = "NotImplementedError: Only support per-tensor scaling factor for compressed-tensors KV cache. Expected"
          + " strategy: tensor, found strategy: " + strategy;
    } else if (!symmetric) {
      message = "NotImplementedError: Only support symmetric scaling factor for compressed-tensors KV cache. However"
          + " found symmetric: False";
    }
    if (message == null) return;
    out.add(Finding.of("R14", Severity.ERROR, RuleCatalog.title("R14"), List.of(), message,
        c.repair() + "  (drops the KV-cache scheme and its k/v scales; the KV cache stays bf16)", "[S]"));
  }

  private static void r18(Context c, List<Finding> out) {
    var q = c.m().quant;
    var hf = q.hfQuantConfig();
    if (hf.isEmpty()) return;
    if (q.origin().equals(ModelOptConfig.HF_QUANT_CONFIG_FILE)) {
      if (!c.version().has(VllmChange.READS_HF_QUANT_CONFIG)) {
        out.add(Finding.of("R18", Severity.ERROR, RuleCatalog.title("R18") + ": only hf_quant_config.json holds the"
                + " quantization", List.of(),
            "this vLLM reads hf_quant_config.json only with --quantization " + q.method() + "; without it the FP8"
                + " checkpoint loads as an unquantized model and fails on the first weight_scale",
            "pass --quantization " + q.method() + ", or " + c.repair() + "  (writes quantization_config into"
                + " config.json)", "[S]"));
      }
      return;
    }
    var cfg = q.configJsonModelOpt();
    if (cfg.isEmpty() && ModelOptConfig.isModelOpt(q.node())) return; // malformed: R9
    if (cfg.isEmpty()) {
      out.add(Finding.of("R18", Severity.INFO, RuleCatalog.title("R18") + ": hf_quant_config.json is ignored",
          List.of(), "config.json's " + q.method() + " quantization_config wins; hf_quant_config.json ("
              + hf.get().quantAlgo().orElse("no algo") + ") is read only by tools that look for it (TensorRT-LLM)",
          "delete hf_quant_config.json, or " + c.repair(), "[S]"));
      return;
    }
    var a = hf.get();
    var b = cfg.get();
    var diffs = new ArrayList<String>();
    boolean semantic = false;
    if (!a.quantAlgo().map(x -> x.toUpperCase(Locale.ROOT)).equals(b.quantAlgo().map(x -> x.toUpperCase(Locale.ROOT)))) {
      diffs.add("quant_algo " + a.quantAlgo().orElse("null") + " vs " + b.quantAlgo().orElse("null"));
      semantic = true;
    }
    if (!a.kvCacheQuantAlgo().equals(b.kvCacheQuantAlgo())) {
      diffs.add("KV-cache algo " + a.kvCacheQuantAlgo().orElse("null") + " vs " + b.kvCacheQuantAlgo().orElse("null"));
      semantic = true;
    }
    var hfList = new HashSet<>(a.exclusions());
    var configList = new HashSet<>(b.exclusions());
    if (!hfList.equals(configList)) diffs.add("exclusions " + a.exclusions() + " vs " + b.exclusions());
    if (diffs.isEmpty()) return;
    out.add(Finding.of("R18", semantic ? Severity.SILENT : Severity.INFO,
        RuleCatalog.title("R18") + " (hf_quant_config.json vs config.json)", List.of(),
        "config.json silently wins since vLLM 0.10.1; TensorRT-LLM and older tools read hf_quant_config.json: "
            + String.join("; ", diffs), c.repair() + "  (writes one consistent list to every place)", "[S]"));
  }

  private static void r19(Context c, List<Finding> out) {
    var cfg = c.m().quant.modelopt();
    if (cfg.isEmpty() || cfg.get().kvCacheQuantAlgo().isEmpty()) return;
    if (c.version().has(VllmChange.KV_DTYPE_FROM_CHECKPOINT)) return;
    out.add(Finding.of("R19", Severity.PERF, RuleCatalog.title("R19"), List.of(),
        "no error: the LM's k/v scales load but --kv-cache-dtype auto keeps a bf16 KV cache before vLLM #30785, so"
            + " the FP8 KV cache (" + cfg.get().kvCacheQuantAlgo().get() + ") is not used",
        "serve with --kv-cache-dtype fp8", "[S]"));
  }

  /** R22 (globs) and R23 (regexes against renamed prefixes) for compressed-tensors ignore lists. */
  private static void ignoreEntries(Context c, List<Finding> out) {
    var ct = c.m().quant.ct();
    if (ct.isEmpty()) return;
    var globs = ct.get().ignore().stream().filter(e -> !e.startsWith("re:") && Patterns.isGlob(e)).toList();
    entryFinding(c, out, "R22", globs, (entry, name) -> Patterns.fnmatch(name, entry),
        "compressed-tensors has no glob syntax: vLLM compares these entries as literal module names, so they match"
            + " nothing", "[S]");
    var regexes = new ArrayList<String>();
    for (var entry : ct.get().ignore()) {
      if (!entry.startsWith("re:")) continue;
      var rx = entry.substring(3);
      boolean hfOnly = c.m().layers.stream().anyMatch(l -> !Patterns.reMatch(rx, l.vllmName()).orElse(true)
          && c.m().map.names(l.name()).all().stream().anyMatch(n -> Patterns.reMatch(rx, n).orElse(false)));
      if (hfOnly) regexes.add(entry);
    }
    entryFinding(c, out, "R23", regexes, (entry, name) -> Patterns.reMatch(entry.substring(3), name).orElse(false),
        "regex entries are never mapped: written against HF prefixes that vLLM renames, they miss vLLM's module names"
            + " (re.match is anchored at the start)", "[S]");
  }

  private static void entryFinding(Context c, List<Finding> out, String rule, List<String> entries,
      BiPredicate<String, String> matches, String why, String basis) {
    if (entries.isEmpty()) return;
    var affected = new ArrayList<String>();
    var severity = Severity.INFO;
    for (var d : c.decisions()) {
      var names = c.m().map.names(d.layer().name()).all();
      var shardNames = d.layer().shards().stream().flatMap(s -> c.m().map.names(s.module()).all().stream()).toList();
      boolean intended = entries.stream().anyMatch(e -> names.stream().anyMatch(n -> matches.test(e, n))
          || shardNames.stream().anyMatch(n -> matches.test(e, n)));
      if (!intended || !d.quantized() || d.layer().anyQuantized()) continue;
      affected.addAll(d.layer().modules());
      severity = severity.worse(d.scheme().takesUnquantizedWeight() ? Severity.SILENT : Severity.ERROR);
    }
    var consequence = affected.isEmpty() ? "other entries cover the modules they were meant for"
        : affected.size() + " bf16 module(s) they were meant for are built quantized (see R4)";
    out.add(Finding.of(rule, severity, RuleCatalog.title(rule) + ": " + VllmPlan.pythonList(entries), affected,
        why + "; " + consequence, c.repair() + "  (rewrites them as explicit names and re:.*<tower>.* regexes)",
        basis));
  }

  private static void p4(Context c, List<Finding> out) {
    var q = c.m().quant;
    if (!q.isModelOpt() || !q.problems().isEmpty()) return;
    var problems = new ArrayList<String>();
    Optional<ModelOptConfig> config = q.configJsonModelOpt();
    Set<String> reference = null;
    if (config.isPresent()) {
      if (config.get().ignore().isEmpty()) problems.add("config.json quantization_config has no 'ignore'");
      if (config.get().excludeModules().isEmpty()) problems.add("config.json quantization_config has no"
          + " 'exclude_modules' (read by vLLM < 0.11.1)");
      if (config.get().ignore().isPresent() && config.get().excludeModules().isPresent()
          && !new HashSet<>(config.get().ignore().get()).equals(new HashSet<>(config.get().excludeModules().get()))) {
        problems.add("config.json 'ignore' and 'exclude_modules' differ");
      }
      reference = new HashSet<>(config.get().exclusions());
    } else {
      problems.add("config.json has no quantization_config (vLLM < 0.10.1 and transformers do not read"
          + " hf_quant_config.json)");
    }
    if (q.hfQuantConfig().isEmpty()) problems.add("no hf_quant_config.json (TensorRT-LLM reads it)");
    else if (reference != null && !reference.equals(new HashSet<>(q.hfQuantConfig().get().exclusions()))) {
      problems.add("hf_quant_config.json exclude_modules differs from config.json");
    }
    if (problems.isEmpty()) return;
    out.add(Finding.of("P4", Severity.INFO, RuleCatalog.title("P4"), List.of(), String.join("; ", problems),
        c.repair(), "[S]"));
  }
}
