package vlmq.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import vlmq.model.TensorKind;

/**
 * The model as a whole: architectures this vLLM lacks (R20 Mllama, R21 Qwen3-VL/Qwen3.5), quantized embeddings
 * (C5), and the files serving needs besides the weights (C4).
 */
final class ModelRules {
  private ModelRules() {}

  static List<Finding> check(Context c) {
    var out = new ArrayList<Finding>();
    if (c.target().isVllm()) architecture(c, out);
    embeddings(c, out);
    servingFiles(c, out);
    return out;
  }

  private static void architecture(Context c, List<Finding> out) {
    var missing = c.m().vllm.missingArchitecture(c.version());
    var arch = c.m().config.architecture();
    if (missing.isPresent()) {
      var change = missing.get();
      var rule = change == VllmChange.MLLAMA_REMOVED ? "R20" : "R21";
      var when = (change == VllmChange.MLLAMA_REMOVED ? "gone since " : "missing before ") + change.pr() + " ("
          + change.merged() + ": " + change.summary() + ")";
      out.add(Finding.of(rule, Severity.ERROR, RuleCatalog.title(rule) + ": " + arch + " " + when, List.of(),
          "ValueError: Model architectures ['" + arch + "'] are not supported for now.",
          change == VllmChange.MLLAMA_REMOVED ? "serve with vLLM 0.10.x (V0 engine) or transformers"
              : "use vLLM ≥ " + change.since().label(), "[S]"));
    } else if (c.m().map.family().orElse(null) == vlmq.model.Family.MLLAMA) {
      out.add(Finding.of("R20", Severity.INFO, RuleCatalog.title("R20") + ": V0 engine only", List.of(),
          "Mllama is SupportsV0Only in vLLM 0.10.x: set VLLM_USE_V1=0; it is deleted in 0.11.0 (#24907)",
          "serve with VLLM_USE_V1=0", "[S]"));
    }
  }

  private static void embeddings(Context c, List<Finding> out) {
    var quantized = new ArrayList<String>();
    for (var role : c.m().map.roles()) {
      if (role.kind() != TensorKind.EMBEDDING && !(role.kind() == TensorKind.QUANT_PARAM
          && role.module().endsWith("embed_tokens"))) continue;
      var t = c.m().tensor(role.name());
      if (role.kind() == TensorKind.QUANT_PARAM || t.dtype().bits() <= 8) quantized.add(role.module());
    }
    if (quantized.isEmpty()) return;
    var cfg = c.m().quant.modelopt();
    boolean nvfp4Embed = cfg.isPresent() && c.target().isVllm() && c.version().has(VllmChange.MAIN_2026_05)
        && c.m().quant.hfQuantConfig().map(h -> h.keys().contains("nvfp4_embed")).orElse(false);
    if (nvfp4Embed) return;
    out.add(Finding.of("C5", Severity.ERROR, RuleCatalog.title("C5") + ": quantized input embeddings",
        quantized.stream().distinct().toList(),
        "KeyError on the embedding's scale: " + c.target().engineLabel() + " builds embed_tokens as a plain"
            + " VocabParallelEmbedding (only ModelOpt NVFP4 with nvfp4_embed in recent main quantizes it)",
        c.quantize(c.schemeName()) + "  (keeps embeddings bf16)", "[I]"));
  }

  /** One need and the files that satisfy it. */
  private record Need(String label, List<String> anyOf, Severity severity, String consequence) {}

  private static final List<Need> NEEDS = List.of(
      new Need("tokenizer", List.of("tokenizer.json", "tokenizer.model", "vocab.json"), Severity.ERROR,
          "OSError: Can't load tokenizer for '<dir>' — the engine loads the tokenizer at startup"),
      new Need("image processor config", List.of("preprocessor_config.json", "processor_config.json"), Severity.ERROR,
          "OSError: … does not appear to have a file named preprocessor_config.json — vLLM builds the multimodal"
              + " processor at startup (profiling run)"),
      new Need("chat template", List.of("chat_template.json", "chat_template.jinja"), Severity.INFO,
          "the model loads, but /v1/chat/completions fails: 'default chat template is no longer allowed, so you must"
              + " provide a chat template if the tokenizer does not define one'"),
      new Need("tokenizer config", List.of("tokenizer_config.json"), Severity.INFO,
          "special tokens and padding fall back to defaults"),
      new Need("generation config", List.of("generation_config.json"), Severity.INFO,
          "default sampling parameters (temperature, top_p, eos ids) fall back to engine defaults"));

  private static void servingFiles(Context c, List<Finding> out) {
    var dir = c.m().dir;
    for (var need : NEEDS) {
      boolean present = need.anyOf().stream().anyMatch(f -> Files.isRegularFile(dir.resolve(f)));
      if (!present && need.label().equals("chat template")) present = templateInConfig(c);
      if (present) continue;
      out.add(Finding.of("C4", need.severity(), RuleCatalog.title("C4") + ": no " + need.label(), need.anyOf(),
          need.consequence().replace("<dir>", c.dir()),
          "copy " + String.join(" / ", need.anyOf()) + " from the original model into " + c.dir(), "[S]"));
    }
  }

  private static boolean templateInConfig(Context c) {
    if (c.m().config.root().path("chat_template").isTextual()) return true;
    var file = c.m().dir.resolve("tokenizer_config.json");
    if (!Files.isRegularFile(file)) return false;
    try {
      return new ObjectMapper().readTree(file.toFile()).hasNonNull("chat_template");
    } catch (IOException e) {
      return false;
    }
  }
}
