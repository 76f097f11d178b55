package vlmq.quantize;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import vlmq.Units;
import vlmq.model.Component;
import vlmq.plan.ModuleDecision;
import vlmq.plan.QuantizationPlan;

/**
 * The {@code README.md} written next to a quantized checkpoint, in the shape of the model cards on the Hugging Face
 * hub: what is quantized and what stays native and why, sizes before and after, the recipe, and how to serve it.
 */
final class ModelCard {
  private ModelCard() {}

  static String render(Path source, QuantizeJob.Planned p, long outputBytes, CheckpointFormat format) {
    boolean modelopt = format == CheckpointFormat.MODELOPT;
    QuantizationPlan plan = p.plan();
    String name = source.toAbsolutePath().normalize().getFileName().toString();
    String schemes = plan.configGroups().values().stream().map(s -> s.format().json()).distinct().collect(Collectors.joining(", "));
    String family = p.map().family().map(f -> f.displayName()).orElse("unknown family");
    String label = plan.configGroups().keySet().stream().map(plan::groupLabel).collect(Collectors.joining(" + "));
    StringBuilder s = new StringBuilder();
    s.append("---\n");
    s.append("base_model: ").append(name).append('\n');
    s.append("library_name: transformers\n");
    s.append("tags:\n  - vlmq\n  - ").append(format.id()).append("\n  - vllm\n  - ").append(family.toLowerCase(Locale.ROOT).replace(' ', '-')).append('\n');
    s.append("---\n\n");
    s.append("# ").append(name).append(" (").append(label).append(")\n\n");
    s.append("`").append(name).append("` (").append(family).append(") quantized to ").append(label)
        .append(" by vlmq, in ").append(modelopt
            ? "NVIDIA ModelOpt's checkpoint format, which vLLM, TensorRT-LLM and SGLang load"
            : "the compressed-tensors format (" + schemes + "), which vLLM and transformers load directly")
        .append(". Only the language model's Linear layers are quantized;")
        .append(" the vision tower and everything else listed below stay in their original precision, because")
        .append(" quantizing them hurts OCR, counting, grounding and chart reading for little memory gain.\n\n");

    s.append("## What is quantized\n\n");
    s.append("| component | Linear layers quantized | kept native | bytes before | bytes after |\n");
    s.append("|---|---:|---:|---:|---:|\n");
    for (Component c : Component.values()) {
      var t = plan.totals(c);
      if (t.bytesBefore() == 0) continue;
      s.append("| ").append(c.id()).append(" | ").append(t.quantizedModules()).append(" | ").append(t.linearModules() - t.quantizedModules())
          .append(" | ").append(Units.bytes(t.bytesBefore())).append(" | ").append(Units.bytes(t.bytesAfter())).append(" |\n");
    }
    s.append("| **total** | | | **").append(Units.bytes(p.checkpoint().totalBytes())).append("** | **").append(Units.bytes(outputBytes)).append("** |\n\n");

    Map<String, Integer> keptBy = new LinkedHashMap<>();
    for (ModuleDecision d : plan.decisions()) if (!d.quantized()) keptBy.merge(d.keptBy(), 1, Integer::sum);
    if (!keptBy.isEmpty()) {
      s.append("Kept in original precision (Linear layers, by the rule that kept them):\n\n");
      keptBy.forEach((rule, n) -> s.append("- `").append(rule).append("`: ").append(n).append(" layer").append(n == 1 ? "" : "s").append('\n'));
      s.append("\nEmbeddings, norms, convolutions and biases are never quantized.\n\n");
    }
    if (modelopt) {
      s.append("The exclusion list names every kept Linear layer under each spelling the loaders use, plus `prefix` +")
          .append(" `prefix.*` pairs and a bare token for the vision tower, and is written under `ignore` and")
          .append(" `exclude_modules` in `config.json` and in `hf_quant_config.json`, so every vLLM version keeps the")
          .append(" kept layers unquantized.\n\n");
    } else {
      s.append("The `ignore` list in `config.json` names every kept Linear layer in both the checkpoint spelling (which")
          .append(" vLLM maps) and the transformers 5.x runtime spelling (which transformers matches), so neither")
          .append(" loader builds a kept layer as quantized.\n\n");
    }

    s.append("## Recipe\n\n```yaml\n").append(plan.resolvedRecipe().toYaml()).append("```\n\n");
    s.append("Reproduce with `vlmq quantize <").append(name).append("> -o <out> --recipe recipe.yaml`; the same `recipe.yaml`")
        .append(" loads in llm-compressor.\n\n");

    s.append("## Serve with vLLM\n\n```sh\nvllm serve ./").append(name).append("-quantized --max-model-len 8192\n```\n\n");
    if (modelopt) {
      s.append("## Load with transformers\n\ntransformers does not load ModelOpt checkpoints; convert this one first:\n\n")
          .append("```sh\nvlmq convert ./").append(name).append("-quantized --to compressed-tensors -o ./").append(name)
          .append("-ct\n```\n");
    } else {
      s.append("## Load with transformers\n\n```python\nfrom transformers import AutoModelForImageTextToText, AutoProcessor\n\n")
          .append("model = AutoModelForImageTextToText.from_pretrained(\"./").append(name).append("-quantized\", device_map=\"auto\")\n")
          .append("processor = AutoProcessor.from_pretrained(\"./").append(name).append("-quantized\")\n```\n\n")
          .append("transformers needs the `compressed-tensors` package installed to load this checkpoint.\n");
    }
    List<String> warnings = plan.warnings();
    if (!warnings.isEmpty()) {
      s.append("\n## Notes from vlmq\n\n");
      warnings.forEach(w -> s.append("- ").append(w).append('\n'));
    }
    return s.toString();
  }
}
