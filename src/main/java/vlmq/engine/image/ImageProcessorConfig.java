package vlmq.engine.image;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import vlmq.VlmqException;

/**
 * The settings of a Qwen-VL image processor ({@code Qwen2VLImageProcessor}, shared by Qwen2-VL, Qwen2.5-VL,
 * Qwen3-VL and Qwen3.5), read the way transformers 5.18 reads a checkpoint's {@code preprocessor_config.json}
 * so that the pixels fed to the vision tower are the ones the model was calibrated and served with.
 *
 * <p>Fields missing from the file take the {@code Qwen2VLImageProcessor} class defaults (P=14, 3136..1003520
 * pixels, CLIP mean/std), exactly as transformers does, which is not the same as the hub file's values: see
 * {@link #qwen25vlDefaults()} and {@link #qwen3vlDefaults()}. {@code do_convert_rgb} is not read: images are
 * always decoded to RGB ({@link RgbImage}).
 *
 * @param minPixels {@code size.shortest_edge} or {@code min_pixels} (a pixel count, despite the name)
 * @param maxPixels {@code size.longest_edge} or {@code max_pixels}
 * @param imageMean per-channel mean, 3 values (a scalar in the file is repeated)
 * @param imageStd per-channel standard deviation, 3 values
 */
public record ImageProcessorConfig(
    int patchSize,
    int temporalPatchSize,
    int mergeSize,
    long minPixels,
    long maxPixels,
    boolean doResize,
    boolean doRescale,
    double rescaleFactor,
    boolean doNormalize,
    double[] imageMean,
    double[] imageStd) {

  /** PIL's {@code Image.Resampling.BICUBIC}, the only filter the Qwen processors use. */
  private static final int RESAMPLE_BICUBIC = 3;

  static final double[] OPENAI_CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
  static final double[] OPENAI_CLIP_STD = {0.26862954, 0.26130258, 0.27577711};
  private static final double[] HALF = {0.5, 0.5, 0.5};

  public ImageProcessorConfig {
    if (patchSize < 1 || temporalPatchSize < 1 || mergeSize < 1) {
      throw invalid("patch_size " + patchSize + ", temporal_patch_size " + temporalPatchSize + " and merge_size "
          + mergeSize + " must all be positive");
    }
    if (doResize && (minPixels < 1 || maxPixels < 1)) {
      throw invalid("min_pixels " + minPixels + " and max_pixels " + maxPixels + " (size.shortest_edge and "
          + "size.longest_edge) must both be given and positive when do_resize is true");
    }
    imageMean = channels("image_mean", imageMean);
    imageStd = channels("image_std", imageStd);
    for (double s : imageStd) {
      if (s == 0) {
        throw invalid("image_std " + Arrays.toString(imageStd) + " contains 0");
      }
    }
  }

  /** The pixel side every resized image is a multiple of: {@code patch_size * merge_size}. */
  public int factor() {
    return patchSize * mergeSize;
  }

  @Override
  public double[] imageMean() {
    return imageMean.clone();
  }

  @Override
  public double[] imageStd() {
    return imageStd.clone();
  }

  /** Qwen2-VL / Qwen2.5-VL as published on the hub: P=14, factor 28, 3136..12845056 pixels, CLIP mean/std. */
  public static ImageProcessorConfig qwen25vlDefaults() {
    return new ImageProcessorConfig(14, 2, 2, 3136, 12845056, true, true, 1.0 / 255, true,
        OPENAI_CLIP_MEAN, OPENAI_CLIP_STD);
  }

  /** Qwen3-VL / Qwen3.5 as published on the hub: P=16, factor 32, 65536..16777216 pixels, mean/std 0.5. */
  public static ImageProcessorConfig qwen3vlDefaults() {
    return new ImageProcessorConfig(16, 2, 2, 65536, 16777216, true, true, 1.0 / 255, true, HALF, HALF);
  }

  /**
   * The image processor settings of a checkpoint directory, with transformers' priority: the nested
   * {@code "image_processor"} object of {@code processor_config.json} when there is one, else
   * {@code preprocessor_config.json}.
   */
  public static ImageProcessorConfig forCheckpoint(Path checkpointDir) {
    Path processorConfig = checkpointDir.resolve("processor_config.json");
    if (Files.isRegularFile(processorConfig) && parse(processorConfig).path("image_processor").isObject()) {
      return read(processorConfig);
    }
    Path preprocessorConfig = checkpointDir.resolve("preprocessor_config.json");
    if (!Files.isRegularFile(preprocessorConfig)) {
      throw new VlmqException("no image processor settings in " + checkpointDir + ": neither "
          + "preprocessor_config.json nor an \"image_processor\" entry in processor_config.json; copy "
          + "preprocessor_config.json from the original model's repository into it");
    }
    return read(preprocessorConfig);
  }

  /** Reads one {@code preprocessor_config.json} (a {@code processor_config.json} with a nested entry also works). */
  public static ImageProcessorConfig read(Path preprocessorConfigJson) {
    JsonNode root = parse(preprocessorConfigJson);
    return root.path("image_processor").isObject()
        ? fromJson(root.get("image_processor"), preprocessorConfigJson + " (image_processor)")
        : fromJson(root, preprocessorConfigJson.toString());
  }

  private static JsonNode parse(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      JsonNode root = new ObjectMapper().readTree(in);
      if (root == null || !root.isObject()) {
        throw new VlmqException(file + " is not a JSON object; expected an image processor config");
      }
      return root;
    } catch (JacksonException e) {
      throw new VlmqException(file + " is not valid JSON (" + e.getOriginalMessage() + ")", e);
    } catch (NoSuchFileException e) {
      throw new VlmqException("image processor config " + file + " does not exist", e);
    } catch (IOException e) {
      throw new VlmqException("cannot read image processor config " + file + ": " + e.getMessage(), e);
    }
  }

  private static ImageProcessorConfig fromJson(JsonNode json, String where) {
    String type = json.path("image_processor_type").asText("");
    if (!type.isEmpty() && !type.startsWith("Qwen2VLImageProcessor")) {
      throw new VlmqException(where + ": image_processor_type " + type + " is not a Qwen2-VL-family image "
          + "processor (expected Qwen2VLImageProcessor, ...Fast or ...Pil)");
    }
    long resample = integer(json, "resample", RESAMPLE_BICUBIC, where);
    if (resample != RESAMPLE_BICUBIC) {
      throw new VlmqException(where + ": resample " + resample + " is not supported; only PIL bicubic (3), "
          + "which every Qwen-VL checkpoint uses, is implemented");
    }
    // Class defaults of Qwen2VLImageProcessor; top-level min_pixels/max_pixels override size (transformers' __init__).
    long minPixels = 56 * 56;
    long maxPixels = 28 * 28 * 1280;
    JsonNode size = json.get("size");
    if (size != null && !size.isNull()) {
      if (!size.isObject()) {
        throw new VlmqException(where + ": size must be an object {\"shortest_edge\": .., \"longest_edge\": ..}");
      }
      minPixels = integer(size, "shortest_edge", 0, where + " size");
      maxPixels = integer(size, "longest_edge", 0, where + " size");
    }
    minPixels = integer(json, "min_pixels", minPixels, where);
    maxPixels = integer(json, "max_pixels", maxPixels, where);
    int patchSize = smallInteger(json, "patch_size", 14, where);
    int temporalPatchSize = smallInteger(json, "temporal_patch_size", 2, where);
    int mergeSize = smallInteger(json, "merge_size", 2, where);
    boolean doResize = bool(json, "do_resize", where);
    boolean doRescale = bool(json, "do_rescale", where);
    double rescaleFactor = number(json, "rescale_factor", 1.0 / 255, where);
    boolean doNormalize = bool(json, "do_normalize", where);
    double[] mean = channels(json, "image_mean", OPENAI_CLIP_MEAN, where);
    double[] std = channels(json, "image_std", OPENAI_CLIP_STD, where);
    try {
      return new ImageProcessorConfig(patchSize, temporalPatchSize, mergeSize, minPixels, maxPixels, doResize,
          doRescale, rescaleFactor, doNormalize, mean, std);
    } catch (VlmqException e) {
      throw new VlmqException(where + ": " + e.getMessage(), e);
    }
  }

  private static VlmqException invalid(String what) {
    return new VlmqException("invalid image processor settings: " + what);
  }

  /** A whole number; null counts as absent, as transformers ignores {@code "min_pixels": null}. */
  private static long integer(JsonNode json, String field, long absent, String where) {
    JsonNode v = json.get(field);
    if (v == null || v.isNull()) {
      return absent;
    }
    if (!v.isNumber() || !v.canConvertToExactIntegral() || !v.canConvertToLong()) {
      throw new VlmqException(where + ": " + field + " must be a whole number, got " + v);
    }
    return v.asLong();
  }

  private static int smallInteger(JsonNode json, String field, int absent, String where) {
    long v = integer(json, field, absent, where);
    if (v > 4096) {
      throw new VlmqException(where + ": " + field + " " + v + " is implausibly large");
    }
    return (int) v;
  }

  private static double number(JsonNode json, String field, double absent, String where) {
    JsonNode v = json.get(field);
    if (v == null) {
      return absent;
    }
    if (!v.isNumber()) {
      throw new VlmqException(where + ": " + field + " must be a number, got " + v);
    }
    return v.asDouble();
  }

  private static boolean bool(JsonNode json, String field, String where) {
    JsonNode v = json.get(field);
    if (v == null) {
      return true;
    }
    if (!v.isBoolean()) {
      throw new VlmqException(where + ": " + field + " must be true or false, got " + v);
    }
    return v.booleanValue();
  }

  private static double[] channels(JsonNode json, String field, double[] absent, String where) {
    JsonNode v = json.get(field);
    if (v == null) {
      return absent;
    }
    if (v.isNumber()) {
      return new double[] {v.asDouble(), v.asDouble(), v.asDouble()};
    }
    if (!v.isArray() || v.size() != 3) {
      throw new VlmqException(where + ": " + field + " must be a number or a list of 3 numbers (R, G, B), got " + v);
    }
    double[] out = new double[3];
    for (int c = 0; c < 3; c++) {
      if (!v.get(c).isNumber()) {
        throw new VlmqException(where + ": " + field + " must hold numbers, got " + v);
      }
      out[c] = v.get(c).asDouble();
    }
    return out;
  }

  private static double[] channels(String field, double[] values) {
    if (values == null || values.length != 3) {
      throw invalid(field + " needs exactly 3 values (R, G, B), got " + Arrays.toString(values));
    }
    return values.clone();
  }
}
