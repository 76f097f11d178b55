package vlmq.estimate;

import vlmq.engine.image.ImageProcessorConfig;
import vlmq.engine.image.QwenImageProcessor;
import vlmq.model.Family;
import vlmq.model.ModelConfig;

/**
 * How images load the vision encoder: the patches one image becomes (the ViT's sequence), the language-model tokens
 * it yields, and the encoder's activation peak for a batch of patches. Qwen families use their image processor's
 * exact smart_resize grid; the fixed-resolution towers (CLIP, SigLIP, InternViT, Mllama tiles) count one tile of
 * {@code image_size}, and Pixtral scales the image into {@code image_size} as its processor does.
 */
final class VisionEncoder {
  /** One image's load: the size it was given at, the encoder rows it becomes, the LM tokens it yields. */
  record ImageLoad(int width, int height, long patches, long tokens) {}

  private final Family family;
  private final Fields root;
  private final Fields vision;
  private final QwenImageProcessor qwen;
  private final long width;
  private final long intermediate;
  private final int mlpTensors;
  private final long pixelsPerPatch;
  private final long outputWidth;
  private final int outputs;

  private VisionEncoder(Family family, Fields root, Fields vision, QwenImageProcessor qwen, long width,
      long intermediate, int mlpTensors, long pixelsPerPatch, long outputWidth, int outputs) {
    this.family = family;
    this.root = root;
    this.vision = vision;
    this.qwen = qwen;
    this.width = width;
    this.intermediate = intermediate;
    this.mlpTensors = mlpTensors;
    this.pixelsPerPatch = pixelsPerPatch;
    this.outputWidth = outputWidth;
    this.outputs = outputs;
  }

  /**
   * The encoder of {@code config}'s model; {@code processor} is the checkpoint's Qwen image processor settings, or
   * null for the published defaults of the family.
   */
  static VisionEncoder of(Family family, ModelConfig config, long textHidden, ImageProcessorConfig processor) {
    var root = new Fields(config.root(), "");
    var v = root.nested("vision_config");
    return switch (family) {
      case QWEN2_VL, QWEN2_5_VL, QWEN3_VL, QWEN3_5 -> {
        boolean qwen3 = family == Family.QWEN3_VL || family == Family.QWEN3_5;
        var defaults = qwen3 ? ImageProcessorConfig.qwen3vlDefaults() : ImageProcessorConfig.qwen25vlDefaults();
        var p = processor != null ? processor : new ImageProcessorConfig((int) v.positive("patch_size",
            defaults.patchSize()), (int) v.positive("temporal_patch_size", 2), (int) v.positive("spatial_merge_size",
            2), defaults.minPixels(), defaults.maxPixels(), true, true, 1.0 / 255, true, defaults.imageMean(),
            defaults.imageStd());
        long pixels = 3L * p.temporalPatchSize() * p.patchSize() * p.patchSize();
        int deepstack = family == Family.QWEN3_VL ? v.counts("deepstack_visual_indexes").size() : 0;
        yield switch (family) {
          case QWEN2_VL -> {
            long e = v.positive("embed_dim", 1280);
            yield new VisionEncoder(family, root, v, new QwenImageProcessor(p), e,
                (long) (e * v.number("mlp_ratio", 4)), 2, pixels, textHidden, 1);
          }
          case QWEN2_5_VL -> new VisionEncoder(family, root, v, new QwenImageProcessor(p), v.positive("hidden_size"),
              v.positive("intermediate_size"), 3, pixels, textHidden, 1);
          default -> new VisionEncoder(family, root, v, new QwenImageProcessor(p), v.positive("hidden_size"),
              v.positive("intermediate_size"), 2, pixels, textHidden, 1 + deepstack);
        };
      }
      case MISTRAL3 -> tower(family, root, v, textHidden, 1024, 4096, 16, 3);
      case LLAVA -> v.text("model_type", "clip_vision_model").equals("pixtral")
          ? tower(family, root, v, textHidden, 1024, 4096, 16, 3)
          : tower(family, root, v, textHidden, 768, 3072, v.text("model_type", "").startsWith("siglip") ? 16 : 32, 2);
      case GEMMA3 -> tower(family, root, v, textHidden, 768, 3072, 16, 2);
      case IDEFICS3 -> tower(family, root, v, textHidden, 1152, 3072, 32, 2);
      case INTERNVL -> tower(family, root, v, textHidden, 1024, 4096, 14, 2);
      case MLLAMA -> tower(family, root, v, textHidden, 1280, 5120, 14, 2);
    };
  }

  private static VisionEncoder tower(Family family, Fields root, Fields v, long textHidden, long width,
      long intermediate, long patch, int mlpTensors) {
    long p = v.side("patch_size", patch);
    return new VisionEncoder(family, root, v, null, v.positive("hidden_size", width),
        v.positive("intermediate_size", intermediate), mlpTensors, 3 * p * p, textHidden, 1);
  }

  /** The image vLLM profiles the encoder with: the largest the processor produces (or the tower's fixed size). */
  int[] largestImage() {
    if (qwen != null) {
      var p = qwen.config();
      int side = (int) (Math.floor(Math.sqrt((double) p.maxPixels()) / p.factor()) * p.factor());
      return new int[] {side, side};
    }
    int side = (int) vision.side("image_size", 224);
    return new int[] {side, side};
  }

  /** What one {@code width × height} image becomes. */
  ImageLoad image(int w, int h) {
    if (qwen != null) {
      var grid = qwen.grid(w, h);
      return new ImageLoad(w, h, grid.patches(), grid.tokens(qwen.config().mergeSize()));
    }
    long side = vision.side("image_size", 224);
    long patch = vision.side("patch_size", 14);
    long grid = (side / patch) * (side / patch);
    return switch (family) {
      case MISTRAL3 -> pixtral(w, h, side, patch, root.positive("spatial_merge_size", 2));
      case LLAVA -> vision.text("model_type", "").equals("pixtral") ? pixtral(w, h, side, patch, 1)
          : new ImageLoad(w, h, grid + (vision.text("model_type", "clip_vision_model").startsWith("clip") ? 1 : 0),
              root.text("vision_feature_select_strategy", "default").equals("full") ? grid + 1 : grid);
      case GEMMA3 -> new ImageLoad(w, h, grid, root.positive("mm_tokens_per_image", 256));
      case IDEFICS3 -> new ImageLoad(w, h, grid, grid / square(root.positive("scale_factor", 2)));
      case INTERNVL -> new ImageLoad(w, h, grid + 1, Math.round(grid * square(root.number("downsample_ratio", 0.5))));
      // Mllama feeds every tile to the encoder; the language model sees one image token and cross-attends.
      case MLLAMA -> new ImageLoad(w, h, vision.positive("max_num_tiles", 4) * (grid + 1), 1);
      default -> throw new IllegalStateException(family.id());
    };
  }

  /**
   * Pixtral scales the image down to fit {@code side}, cuts it into {@code patch} squares (partial ones included),
   * and emits one token per merged patch plus one row-break (the last one the image end) per merged row.
   */
  private static ImageLoad pixtral(int w, int h, long side, long patch, long merge) {
    double ratio = Math.max((double) w / side, (double) h / side);
    long sw = ratio > 1 ? (long) Math.floor(w / ratio) : w;
    long sh = ratio > 1 ? (long) Math.floor(h / ratio) : h;
    long rows = Math.ceilDiv(sh, patch);
    long cols = Math.ceilDiv(sw, patch);
    long mergedRows = Math.ceilDiv(rows, merge);
    return new ImageLoad(w, h, rows * cols, mergedRows * (Math.ceilDiv(cols, merge) + 1));
  }

  /**
   * Peak GPU bytes of one encoder pass over {@code patches} rows yielding {@code tokens} LM embeddings, in
   * activations of {@code bytes} per element: the pixel rows (float32 from the processor plus the model-dtype copy),
   * the residual stream and its normed copy, the widest intermediate of a block (q/k/v plus attention output, or
   * the MLP's hidden activations), and the embeddings handed to the language model (with Qwen3-VL's deepstack
   * copies). Attention is taken as flash/memory-efficient (no patches² score matrix), as vLLM runs ViTs on GPUs.
   */
  long peakBytes(long patches, long tokens, int bytes) {
    long pixels = patches * pixelsPerPatch * (4 + bytes);
    long block = Math.max(4 * width, (long) mlpTensors * intermediate);
    long stream = patches * (2 * width + block) * bytes;
    long out = tokens * outputWidth * outputs * bytes;
    return pixels + stream + out;
  }

  private static double square(double x) {
    return x * x;
  }

  private static long square(long x) {
    return x * x;
  }
}
