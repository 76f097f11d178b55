package vlmq.recipe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import vlmq.model.Component;
import vlmq.model.Family;
import vlmq.model.FamilyMap;
import vlmq.recipe.IgnoreRule.Origin;

/**
 * vlmq's ignore rules per family. Defaults keep what llm-compressor's multimodal examples keep (vision tower,
 * projector, lm_head; Qwen3.5's Gated DeltaNet blocks) and apply only when the user gives no ignore rule.
 * Required rules keep what the family's vLLM model builds without a quant method (spec engine-loading-rules §5),
 * whatever the user asks. Regexes accept both the checkpoint and the transformers runtime spelling (an optional
 * {@code model.} prefix), so the recipe.yaml written with them also works in llm-compressor on either.
 */
final class DefaultRules {
  private DefaultRules() {}

  private static final String LM_HEAD = "lm_head";

  /** The defaults for {@code map}'s family; without the vision tower and projector when they are to be quantized. */
  static List<IgnoreRule> defaults(FamilyMap map, Map<String, Component> components, boolean quantizeVision) {
    var rules = new ArrayList<IgnoreRule>();
    if (map.family().isEmpty()) {
      if (!quantizeVision) {
        derived(components, Component.PROJECTOR, "projector (guessed from names)").ifPresent(rules::add);
        derived(components, Component.VISION, "vision tower (guessed from names)").ifPresent(rules::add);
      }
      derived(components, Component.LM_HEAD, "lm_head (guessed from names)").ifPresent(rules::add);
      return List.copyOf(rules);
    }
    var family = map.family().get();
    if (!quantizeVision) {
      switch (family) {
        case QWEN2_VL, QWEN2_5_VL, QWEN3_VL, QWEN3_5 -> {
          rules.add(rule("re:(model\\.)?visual\\.(merger|deepstack_merger_list)\\..*", "projector (vision merger)"));
          rules.add(rule("re:(model\\.)?visual\\..*", "vision tower"));
        }
        case LLAVA, MISTRAL3, GEMMA3, INTERNVL -> {
          rules.add(rule("re:(model\\.)?multi_modal_projector\\..*", "projector"));
          rules.add(rule("re:(model\\.)?vision_tower\\..*", "vision tower"));
        }
        case IDEFICS3 -> {
          rules.add(rule("re:(model\\.)?connector\\..*", "projector (connector)"));
          rules.add(rule("re:(model\\.)?vision_model\\..*", "vision tower"));
        }
        case MLLAMA -> {
          rules.add(rule("re:(model\\.)?multi_modal_projector", "projector"));
          rules.add(rule("re:(model\\.)?vision_model\\..*", "vision tower"));
        }
      }
    }
    rules.add(rule(LM_HEAD, "lm_head (vLLM does not run it quantized for most schemes)"));
    if (family == Family.QWEN3_5) {
      rules.add(rule("re:.*\\.linear_attn\\..*", "Gated DeltaNet (linear_attn) blocks, kept as published FP8 releases do"));
    }
    return List.copyOf(rules);
  }

  /** Modules the family's vLLM model cannot load quantized. */
  static List<IgnoreRule> required(FamilyMap map) {
    if (map.family().isEmpty()) return List.of();
    return switch (map.family().get()) {
      case QWEN2_VL, QWEN2_5_VL, QWEN3_VL -> List.of(moeGate());
      case QWEN3_5 -> List.of(moeGate(), required("re:mtp\\..*",
          "multi-token-prediction head: transformers never loads it, so llm-compressor leaves it unquantized"));
      case LLAVA, GEMMA3 -> List.of(required("re:(model\\.)?vision_tower\\.(vision_model\\.)?head\\..*",
          "SigLIP pooling head: vLLM builds it unquantized"));
      case INTERNVL -> List.of(
          required("re:(model\\.)?vision_tower\\.encoder\\.layer\\.\\d+\\.attention\\.(q_proj|k_proj|v_proj|projection_layer)$",
              "vision attention: plain nn.Linear in vLLM's InternS1 vision model"),
          required("re:(model\\.)?multi_modal_projector\\.linear_[12]$",
              "projector: plain nn.Linear in vLLM's InternS1 model"));
      case MISTRAL3, IDEFICS3, MLLAMA -> List.of();
    };
  }

  private static IgnoreRule moeGate() {
    return required("re:.*\\.mlp\\.(gate|shared_expert_gate)$",
        "MoE router and shared-expert gate: vLLM builds them unquantized");
  }

  private static IgnoreRule rule(String text, String reason) {
    return new IgnoreRule(Rule.parse(text), Origin.DEFAULT, reason);
  }

  private static IgnoreRule required(String text, String reason) {
    return new IgnoreRule(Rule.parse(text), Origin.REQUIRED, reason);
  }

  /**
   * For an unknown family: the shortest prefixes holding only Linear modules of {@code component}, as one regex.
   *
   * @param components every Linear module's component, in checkpoint spelling
   */
  private static Optional<IgnoreRule> derived(Map<String, Component> components, Component component,
      String reason) {
    var prefixes = new LinkedHashSet<String>();
    components.forEach((module, c) -> {
      if (c != component) return;
      var segments = module.split("\\.");
      for (int n = 1; n <= segments.length; n++) {
        var prefix = String.join(".", Arrays.copyOf(segments, n));
        boolean pure = components.entrySet().stream()
            .filter(e -> e.getKey().equals(prefix) || e.getKey().startsWith(prefix + "."))
            .allMatch(e -> e.getValue() == component);
        if (pure) {
          prefixes.add(prefix);
          return;
        }
      }
    });
    if (prefixes.isEmpty()) return Optional.empty();
    var alternatives = prefixes.stream().map(Rule::literal).collect(Collectors.joining("|"));
    var text = "re:" + (prefixes.size() == 1 ? alternatives : "(" + alternatives + ")") + "(\\.|$)";
    return Optional.of(rule(text, reason));
  }
}
