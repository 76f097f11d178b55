package vlmq.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where each component of a known family lives in its checkpoints, under every key layout transformers reads,
 * and where vLLM puts it. Sources: transformers 5.18 {@code conversion_mapping.py} (the renames applied on load
 * and reversed on save) and each vLLM model's {@code hf_to_vllm_mapper}.
 */
final class CheckpointPrefixes {
  private CheckpointPrefixes() {}

  /** Which key layout a prefix belongs to; SHARED where both layouts spell it the same. */
  enum Origin { NATIVE, HUB, SHARED }

  /** One spelling of a component's prefix, ending with ".". */
  record Spelling(String prefix, Origin origin) {}

  /** A component's subtree: its spellings (transformers' runtime spelling first) and vLLM's. */
  record Root(Component component, List<Spelling> spellings, String vllm) {
    /** transformers 5.x runtime prefix. */
    String transformers() {
      return spellings.stream().filter(s -> s.origin() != Origin.HUB).findFirst().orElseThrow().prefix();
    }

    /** Original hub prefixes, or the shared one where both layouts agree. */
    List<String> hub() {
      var hub = spellings.stream().filter(s -> s.origin() != Origin.NATIVE).map(Spelling::prefix).toList();
      return hub.isEmpty() ? List.of(transformers()) : hub;
    }

    /** The subtree {@code suffix} under this one, e.g. Qwen's {@code merger.} under {@code visual.}. */
    Root sub(Component component, String suffix) {
      var subs = spellings.stream().map(s -> new Spelling(s.prefix() + suffix, s.origin())).toList();
      return new Root(component, subs, vllm + suffix);
    }
  }

  /** A name's longest-prefix root, with the spelling it used. */
  record Match(Root root, Spelling spelling) {
    /** The rest of {@code name} after the matched prefix ("" when the name is the root itself). */
    String remainder(String name) {
      var dotted = name + ".";
      var rest = dotted.substring(spelling.prefix().length());
      return rest.isEmpty() ? "" : rest.substring(0, rest.length() - 1);
    }
  }

  static Optional<Match> match(List<Root> roots, String name) {
    var dotted = name + ".";
    Match best = null;
    for (var root : roots) {
      for (var spelling : root.spellings()) {
        if (dotted.startsWith(spelling.prefix())
            && (best == null || spelling.prefix().length() > best.spelling().prefix().length())) {
          best = new Match(root, spelling);
        }
      }
    }
    return Optional.ofNullable(best);
  }

  /** The roots of {@code family}; the config says whether a Llava tower is CLIP/SigLIP-shaped. */
  static List<Root> of(Family family, ModelConfig config) {
    return switch (family) {
      case QWEN2_VL, QWEN2_5_VL, QWEN3_VL, QWEN3_5 -> qwen(family);
      case LLAVA -> llavaStyle(hasVisionModelLevel(config), true);
      case GEMMA3 -> llavaStyle(true, false);
      case MISTRAL3, INTERNVL -> llavaStyle(false, false);
      case MLLAMA -> withLanguage(
          root(Component.VISION, "model.vision_model.", "vision_model.", "vision_model."),
          root(Component.PROJECTOR, "model.multi_modal_projector.", "multi_modal_projector.",
              "multi_modal_projector."),
          root(Component.LANGUAGE, "model.language_model.", "language_model.model.", "language_model.model."),
          root(Component.LM_HEAD, "lm_head.", "language_model.lm_head.", "language_model.lm_head."));
      case IDEFICS3 -> withLanguage(
          root(Component.VISION, "model.vision_model.", "model.vision_model.", "model.vision_model."),
          root(Component.PROJECTOR, "model.connector.", "model.connector.", "model.connector."),
          root(Component.LANGUAGE, "model.text_model.", "model.text_model.", "model.text_model."),
          root(Component.LM_HEAD, "lm_head.", "lm_head.", "lm_head."));
    };
  }

  /**
   * Qwen-VL: transformers renames {@code ^visual} → {@code model.visual} and {@code ^model(?!.(language_model|
   * visual))} → {@code model.language_model} (entry Qwen2VLForConditionalGeneration, aliased by Qwen2.5-VL);
   * Qwen3-VL and Qwen3.5 save the runtime layout. vLLM: {@code visual.}, {@code language_model.model.},
   * {@code language_model.lm_head.}.
   */
  private static List<Root> qwen(Family family) {
    var vision = root(Component.VISION, "model.visual.", "visual.", "visual.");
    var language = root(Component.LANGUAGE, "model.language_model.", "model.", "language_model.model.");
    var roots = new ArrayList<Root>();
    roots.add(vision);
    roots.add(vision.sub(Component.PROJECTOR, "merger."));
    if (family == Family.QWEN3_VL) roots.add(vision.sub(Component.PROJECTOR, "deepstack_merger_list."));
    roots.add(language);
    roots.add(language.sub(Component.EMBEDDINGS, "embed_tokens."));
    roots.add(root(Component.LM_HEAD, "lm_head.", "lm_head.", "language_model.lm_head."));
    // Qwen3.5's multi-token-prediction head: transformers skips it (^mtp.*), vLLM's MTP drafter loads it.
    if (family == Family.QWEN3_5) roots.add(root(Component.OTHER, "mtp.", "mtp.", "mtp."));
    return List.copyOf(roots);
  }

  /**
   * Llava-style (transformers' "llava" mapping, shared by Gemma3, Mistral3, InternVL): hub
   * {@code language_model.model.*}, {@code language_model.lm_head}, {@code vision_tower.*},
   * {@code multi_modal_projector.*}; runtime {@code model.language_model.*}, {@code lm_head},
   * {@code model.vision_tower.*}. CLIP/SigLIP towers carry a {@code vision_model} level in hub checkpoints and in
   * 4.5x saves, which 5.x models drop (CLIPVisionModel PrefixChange) and vLLM keeps.
   */
  private static List<Root> llavaStyle(boolean visionModelLevel, boolean imageNewline) {
    var spellings = new ArrayList<Spelling>();
    spellings.add(new Spelling("model.vision_tower.", Origin.NATIVE));
    if (visionModelLevel) {
      spellings.add(new Spelling("model.vision_tower.vision_model.", Origin.NATIVE));
      spellings.add(new Spelling("vision_tower.vision_model.", Origin.HUB));
    }
    spellings.add(new Spelling("vision_tower.", Origin.HUB));
    var vision = new Root(Component.VISION, List.copyOf(spellings),
        visionModelLevel ? "vision_tower.vision_model." : "vision_tower.");
    var roots = new ArrayList<>(withLanguage(
        vision,
        root(Component.PROJECTOR, "model.multi_modal_projector.", "multi_modal_projector.",
            "multi_modal_projector."),
        root(Component.LANGUAGE, "model.language_model.", "language_model.model.", "language_model.model."),
        root(Component.LM_HEAD, "lm_head.", "language_model.lm_head.", "language_model.lm_head.")));
    // LLaVA-NeXT/OneVision's learned row separator, fed to the language model with the projected features.
    if (imageNewline) roots.add(root(Component.PROJECTOR, "model.image_newline.", "image_newline.", "image_newline."));
    return List.copyOf(roots);
  }

  private static List<Root> withLanguage(Root vision, Root projector, Root language, Root lmHead) {
    return List.of(vision, projector, language, language.sub(Component.EMBEDDINGS, "embed_tokens."), lmHead);
  }

  private static final Set<String> CLIP_LIKE_TOWERS = Set.of("clip_vision_model", "siglip_vision_model");

  /** Llava's tower is CLIP unless vision_config names another model type (e.g. pixtral). */
  private static boolean hasVisionModelLevel(ModelConfig config) {
    var type = config.visionConfig().path("model_type").asText("clip_vision_model");
    return CLIP_LIKE_TOWERS.contains(type);
  }

  private static Root root(Component component, String nativePrefix, String hubPrefix, String vllm) {
    var spellings = nativePrefix.equals(hubPrefix)
        ? List.of(new Spelling(nativePrefix, Origin.SHARED))
        : List.of(new Spelling(nativePrefix, Origin.NATIVE), new Spelling(hubPrefix, Origin.HUB));
    return new Root(component, spellings, vllm);
  }
}
