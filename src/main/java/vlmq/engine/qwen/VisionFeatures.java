package vlmq.engine.qwen;

import java.util.List;

/**
 * What the vision tower hands the language model: one row of {@code width} values per image_pad token, in prompt
 * order, and for Qwen3-VL the deepstack features (same rows) that are added after the first decoder layers.
 */
public record VisionFeatures(float[] features, int tokens, int width, List<float[]> deepstack) {
  public VisionFeatures {
    deepstack = List.copyOf(deepstack);
  }

  /** No images: nothing to scatter into the prompt. */
  static VisionFeatures none(int width) {
    return new VisionFeatures(new float[0], 0, width, List.of());
  }
}
