package vlmq.estimate;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import vlmq.VlmqException;
import vlmq.io.safetensors.TensorSpec;
import vlmq.model.Family;
import vlmq.model.ModelConfig;
import vlmq.numeric.DType;

/**
 * Every tensor a checkpoint of this config stores — names in transformers 5.18's runtime layout
 * ({@code model.visual.*}, {@code model.language_model.*}, {@code lm_head.weight}), shapes and dtypes — built from
 * config.json alone, so a model can be sized before it is downloaded. Checked name for name and shape for shape
 * against transformers' own state dict on every family fixture.
 */
public final class ModelTensors {
  private final Family family;
  private final DType dtype;
  private final TextModel text;
  private final List<TensorSpec> tensors;

  private ModelTensors(Family family, DType dtype, TextModel text, List<TensorSpec> tensors) {
    this.family = family;
    this.dtype = dtype;
    this.text = text;
    this.tensors = tensors;
  }

  /**
   * The tensors of {@code config}'s model.
   *
   * @throws VlmqException when the architecture is not one of the known families or a size field is missing or
   *     malformed
   */
  public static ModelTensors of(ModelConfig config) {
    var family = Family.detect(config).orElseThrow(() -> new VlmqException("config.json names architecture '"
        + config.architecture() + "' (model_type '" + config.modelType() + "'), which estimate cannot size; it knows "
        + String.join(", ", Arrays.stream(Family.values()).map(Family::displayName).toList())));
    var root = new Fields(config.root(), "");
    var dtype = dtype(root);
    var text = TextModel.of(family, config);
    var list = new TensorList(dtype);
    var vision = root.nested("vision_config");
    long c = text.hidden();
    switch (family) {
      case QWEN2_VL, QWEN2_5_VL, QWEN3_VL, QWEN3_5 -> {
        QwenVisionTensors.add(list, family, vision, c);
        DecoderTensors.add(list, text, "model.language_model.");
      }
      case LLAVA -> {
        long e = llavaStyleTower(list, vision, "clip_vision_model");
        long in = e * Math.max(1, root.node().path("vision_feature_layer").size());
        boolean bias = root.flag("multimodal_projector_bias", true);
        list.linear("model.multi_modal_projector.linear_1", in, c, bias);
        list.linear("model.multi_modal_projector.linear_2", c, c, bias);
        // LLaVA-NeXT/OneVision's learned row separator.
        if (config.modelType().startsWith("llava_")) list.add("model.image_newline", c);
        DecoderTensors.add(list, text, "model.language_model.");
      }
      case MISTRAL3 -> {
        long e = llavaStyleTower(list, vision, "pixtral");
        long merge = root.positive("spatial_merge_size", 2);
        boolean bias = root.flag("multimodal_projector_bias", false);
        list.norm("model.multi_modal_projector.norm", e, false);
        list.linear("model.multi_modal_projector.patch_merger.merging_layer", e * merge * merge, e, false);
        list.linear("model.multi_modal_projector.linear_1", e * Math.max(1, root.node().path("vision_feature_layer")
            .size()), c, bias);
        list.linear("model.multi_modal_projector.linear_2", c, c, bias);
        DecoderTensors.add(list, text, "model.language_model.");
      }
      case GEMMA3 -> {
        long e = llavaStyleTower(list, vision, "siglip_vision_model");
        list.add("model.multi_modal_projector.mm_input_projection_weight", e, c);
        list.norm("model.multi_modal_projector.mm_soft_emb_norm", e, false);
        DecoderTensors.add(list, text, "model.language_model.");
      }
      case IDEFICS3 -> {
        TowerTensors.siglip(list, vision, "model.vision_model.", true);
        long scale = root.positive("scale_factor", 2);
        list.linear("model.connector.modality_projection.proj",
            vision.positive("hidden_size", 1152) * scale * scale, c, false);
        DecoderTensors.add(list, text, "model.text_model.");
      }
      case INTERNVL -> {
        TowerTensors.internVit(list, vision, "model.vision_tower.");
        long r = Math.round(1 / root.number("downsample_ratio", 0.5));
        long in = vision.positive("hidden_size", 1024) * r * r;
        list.norm("model.multi_modal_projector.layer_norm", in, true);
        list.linear("model.multi_modal_projector.linear_1", in, c, true);
        list.linear("model.multi_modal_projector.linear_2", c, c, true);
        DecoderTensors.add(list, text, "model.language_model.");
      }
      case MLLAMA -> {
        TowerTensors.mllama(list, vision, "model.vision_model.");
        list.linear("model.multi_modal_projector", vision.positive("vision_output_dim", 7680), c, true);
        DecoderTensors.add(list, text, "model.language_model.");
      }
    }
    return new ModelTensors(family, dtype, text, list.tensors());
  }

  public Family family() {
    return family;
  }

  /** The checkpoint dtype config.json states ({@code dtype}/{@code torch_dtype}); BF16 when it states none. */
  public DType dtype() {
    return dtype;
  }

  public List<TensorSpec> tensors() {
    return tensors;
  }

  TextModel text() {
    return text;
  }

  /** Tensor name → shape, the form {@link vlmq.model.FamilyMap} classifies. */
  public Map<String, long[]> shapes() {
    var out = new LinkedHashMap<String, long[]>();
    for (var t : tensors) out.put(t.name(), t.shape());
    return out;
  }

  /** The tower named by {@code vision_config.model_type} under {@code model.vision_tower.}; returns its width. */
  private static long llavaStyleTower(TensorList list, Fields vision, String defaultType) {
    var p = "model.vision_tower.";
    switch (vision.text("model_type", defaultType)) {
      case "clip_vision_model" -> TowerTensors.clip(list, vision, p);
      case "siglip_vision_model" -> TowerTensors.siglip(list, vision, p, false);
      case "pixtral" -> TowerTensors.pixtral(list, vision, p);
      default -> throw new VlmqException("config.json: vision_config.model_type '" + vision.text("model_type", "")
          + "' is a vision tower estimate cannot size; it knows clip_vision_model, siglip_vision_model and pixtral");
    }
    return vision.positive("hidden_size", defaultType.equals("pixtral") ? 1024 : 768);
  }

  private static DType dtype(Fields root) {
    var text = root.nestedOrSelf("text_config");
    var name = root.text("dtype", root.text("torch_dtype", text.text("dtype", text.text("torch_dtype", "bfloat16"))));
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "bfloat16" -> DType.BF16;
      case "float16", "half" -> DType.F16;
      case "float32", "float" -> DType.F32;
      default -> throw new VlmqException("config.json: dtype '" + name
          + "' is not a checkpoint dtype estimate knows (bfloat16, float16, float32)");
    };
  }
}
