package vlmq.model;

import java.util.List;
import java.util.Optional;

/**
 * The vision-language model families whose checkpoint layouts are known exactly; anything else is classified by
 * name patterns.
 */
public enum Family {
  QWEN2_VL("qwen2_vl", "Qwen2-VL", List.of("Qwen2VLForConditionalGeneration"), List.of("qwen2_vl")),
  QWEN2_5_VL("qwen2_5_vl", "Qwen2.5-VL", List.of("Qwen2_5_VLForConditionalGeneration"), List.of("qwen2_5_vl")),
  QWEN3_VL("qwen3_vl", "Qwen3-VL",
      List.of("Qwen3VLForConditionalGeneration", "Qwen3VLMoeForConditionalGeneration"),
      List.of("qwen3_vl", "qwen3_vl_moe")),
  QWEN3_5("qwen3_5", "Qwen3.5",
      List.of("Qwen3_5ForConditionalGeneration", "Qwen3_5MoeForConditionalGeneration"),
      List.of("qwen3_5", "qwen3_5_moe")),
  LLAVA("llava", "LLaVA",
      List.of("LlavaForConditionalGeneration", "LlavaNextForConditionalGeneration",
          "LlavaOnevisionForConditionalGeneration"),
      List.of("llava", "llava_next", "llava_onevision")),
  MISTRAL3("mistral3", "Mistral3 (Pixtral-HF vision)", List.of("Mistral3ForConditionalGeneration"),
      List.of("mistral3")),
  GEMMA3("gemma3", "Gemma 3", List.of("Gemma3ForConditionalGeneration"), List.of("gemma3")),
  IDEFICS3("idefics3", "Idefics3 / SmolVLM",
      List.of("Idefics3ForConditionalGeneration", "SmolVLMForConditionalGeneration"),
      List.of("idefics3", "smolvlm")),
  MLLAMA("mllama", "Llama 3.2 Vision (Mllama)", List.of("MllamaForConditionalGeneration"), List.of("mllama")),
  INTERNVL("internvl", "InternVL (transformers format)", List.of("InternVLForConditionalGeneration"),
      List.of("internvl"));

  private final String id;
  private final String displayName;
  private final List<String> architectures;
  private final List<String> modelTypes;

  Family(String id, String displayName, List<String> architectures, List<String> modelTypes) {
    this.id = id;
    this.displayName = displayName;
    this.architectures = architectures;
    this.modelTypes = modelTypes;
  }

  /** Stable identifier (the main model_type), used in fixtures and reports. */
  public String id() {
    return id;
  }

  public String displayName() {
    return displayName;
  }

  public List<String> architectures() {
    return architectures;
  }

  public List<String> modelTypes() {
    return modelTypes;
  }

  /** The family named by the config's architectures, else by its model_type; empty when neither is known. */
  public static Optional<Family> detect(ModelConfig config) {
    for (var architecture : config.architectures()) {
      for (var family : values()) {
        if (family.architectures.contains(architecture)) return Optional.of(family);
      }
    }
    var modelType = config.modelType();
    for (var family : values()) {
      if (family.modelTypes.contains(modelType)) return Optional.of(family);
    }
    return Optional.empty();
  }
}
