package vlmq.model;

import java.util.List;
import java.util.Set;

/**
 * Component by name segments, for architectures no family describes: the segment names VLM code bases use for
 * towers, projectors and heads. A guess, so results carry a warning.
 */
final class NamePatterns {
  private NamePatterns() {}

  private static final Set<String> PROJECTOR = Set.of("merger", "deepstack_merger_list", "multi_modal_projector",
      "mm_projector", "mlp1", "connector", "vision_language_adapter", "image_newline", "aligner", "resampler",
      "visual_projection");
  private static final Set<String> VISION = Set.of("visual", "vision_tower", "vision_model", "vision_encoder",
      "image_encoder", "vision", "vit", "vpm", "image_tower");
  private static final Set<String> EMBEDDINGS = Set.of("embed_tokens", "tok_embeddings", "word_embeddings", "wte");
  private static final Set<String> LANGUAGE_ROOTS = Set.of("model", "language_model", "text_model", "llm",
      "transformer", "decoder");

  static Component component(String tensorName) {
    var segments = List.of(tensorName.split("\\."));
    if (segments.stream().anyMatch(PROJECTOR::contains)) return Component.PROJECTOR;
    if (segments.stream().anyMatch(VISION::contains)) return Component.VISION;
    var module = segments.subList(0, Math.max(segments.size() - 1, 0));
    if (!module.isEmpty() && module.getLast().equals("lm_head")) return Component.LM_HEAD;
    if (!module.isEmpty() && EMBEDDINGS.contains(module.getLast())) return Component.EMBEDDINGS;
    if (LANGUAGE_ROOTS.contains(segments.getFirst())) return Component.LANGUAGE;
    return Component.OTHER;
  }
}
