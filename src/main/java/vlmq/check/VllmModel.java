package vlmq.check;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import vlmq.model.Family;

/**
 * What vLLM's model class for a family does with names (engine-loading-rules §5): its {@code hf_to_vllm_mapper}
 * prefix rules (applied in order, each to the result of the previous), whether {@code packed_modules_mapping} lets
 * shard names match fused layers, how the vision tower's own loader sees a tensor name, and since when the
 * architecture exists.
 */
record VllmModel(Optional<Family> family, List<Map.Entry<String, String>> prefixRules) {
  private static final List<Map.Entry<String, String>> QWEN2 = List.of(
      Map.entry("model.language_model.", "language_model.model."), Map.entry("model.visual.", "visual."),
      Map.entry("lm_head.", "language_model.lm_head."), Map.entry("model.", "language_model.model."));
  private static final List<Map.Entry<String, String>> QWEN3 = List.of(
      Map.entry("model.visual.", "visual."), Map.entry("lm_head.", "language_model.lm_head."),
      Map.entry("model.language_model.", "language_model.model."));
  private static final List<Map.Entry<String, String>> LLAVA = List.of(
      Map.entry("model.language_model.", "language_model.model."), Map.entry("model.vision_tower.", "vision_tower."),
      Map.entry("model.multi_modal_projector.", "multi_modal_projector."),
      Map.entry("lm_head.", "language_model.lm_head."));
  private static final List<Map.Entry<String, String>> MISTRAL3 = List.of(
      Map.entry("model.language_model.", "language_model.model."), Map.entry("model.vision_tower.", "vision_tower."),
      Map.entry("model.multi_modal_projector.", "multi_modal_projector."),
      Map.entry("lm_head.", "language_model.lm_head."), Map.entry("model.", "language_model.model."));
  private static final List<Map.Entry<String, String>> MLLAMA = List.of(
      Map.entry("model.vision_model.", "vision_model."),
      Map.entry("model.multi_modal_projector.", "multi_modal_projector."),
      Map.entry("model.language_model.", "language_model.model."));

  static VllmModel of(Optional<Family> family) {
    var rules = family.map(f -> switch (f) {
      case QWEN2_VL, QWEN2_5_VL -> QWEN2;
      case QWEN3_VL, QWEN3_5 -> QWEN3;
      case LLAVA, GEMMA3, INTERNVL -> LLAVA;
      case MISTRAL3 -> MISTRAL3;
      case MLLAMA -> MLLAMA;
      case IDEFICS3 -> List.<Map.Entry<String, String>>of();
    }).orElse(List.of());
    return new VllmModel(family, rules);
  }

  /** {@code WeightsMapper._map_name} with prefix rules only: the name exclusion entries are rewritten to. */
  String map(String name) {
    var key = name;
    for (var rule : prefixRules) {
      if (key.startsWith(rule.getKey())) key = rule.getValue() + key.substring(rule.getKey().length());
    }
    return key;
  }

  boolean isQwen() {
    return family.map(f -> f == Family.QWEN2_VL || f == Family.QWEN2_5_VL || f == Family.QWEN3_VL
        || f == Family.QWEN3_5).orElse(false);
  }

  /** Whether shard names ({@code q_proj}) are matched for fused layers ({@code qkv_proj}) at {@code version}. */
  boolean hasPackedMapping(VllmVersion version) {
    return family.orElse(null) != Family.QWEN2_5_VL || version.has(VllmChange.QWEN2_5_VL_PACKED_MAPPING);
  }

  /** The architecture's class exists in {@code version}; empty when it does, else the change that adds or drops it. */
  Optional<VllmChange> missingArchitecture(VllmVersion version) {
    if (family.isEmpty()) return Optional.empty();
    return switch (family.get()) {
      case QWEN3_VL -> version.has(VllmChange.QWEN3_VL_ADDED) ? Optional.empty() : Optional.of(VllmChange.QWEN3_VL_ADDED);
      case QWEN3_5 -> version.has(VllmChange.QWEN3_5_ADDED) ? Optional.empty() : Optional.of(VllmChange.QWEN3_5_ADDED);
      case MLLAMA -> version.has(VllmChange.MLLAMA_REMOVED) ? Optional.of(VllmChange.MLLAMA_REMOVED) : Optional.empty();
      default -> Optional.empty();
    };
  }

  /**
   * The key a tensor reaches the vision tower's own {@code load_weights} with, after the tower prefix is stripped and
   * the tower's stacked-parameter table has renamed shards: Qwen towers keep {@code attn.k_proj} (their table maps only
   * {@code attn.k.} and the MLP shards), CLIP/SigLIP/Idefics/Pixtral towers turn {@code k_proj} into {@code qkv_proj}.
   */
  String towerKey(String vllmTensorName) {
    var local = family.orElse(null) == Family.IDEFICS3 ? vllmTensorName
        : vllmTensorName.substring(vllmTensorName.indexOf('.') + 1);
    if (isQwen()) {
      return family.get() == Family.QWEN2_5_VL
          ? local.replace(".gate_proj.", ".gate_up_proj.").replace(".up_proj.", ".gate_up_proj.") : local;
    }
    return local.replace(".q_proj.", ".qkv_proj.").replace(".k_proj.", ".qkv_proj.").replace(".v_proj.", ".qkv_proj.")
        .replace(".gate_proj.", ".gate_up_proj.").replace(".up_proj.", ".gate_up_proj.");
  }

  /** The vLLM class a tower belongs to, for messages. */
  String towerClass() {
    if (family.isEmpty()) return "the vision tower";
    return switch (family.get()) {
      case QWEN2_VL -> "Qwen2VisionTransformer";
      case QWEN2_5_VL -> "Qwen2_5_VisionTransformer";
      case QWEN3_VL, QWEN3_5 -> "Qwen3_VisionTransformer";
      case LLAVA -> "CLIPVisionModel / SiglipVisionModel";
      case GEMMA3 -> "SiglipVisionModel";
      case MISTRAL3 -> "PixtralHFVisionModel";
      case IDEFICS3 -> "Idefics3VisionTransformer";
      case MLLAMA -> "MllamaVisionModel";
      case INTERNVL -> "InternVisionModel";
    };
  }
}
