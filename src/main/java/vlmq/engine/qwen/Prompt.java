package vlmq.engine.qwen;

import vlmq.engine.image.PixelValues;

/**
 * A prompt ready for the model: token ids with every image's image_pad run already expanded to its token count (as
 * the transformers processor expands it) and the images' {@code pixel_values} (zero rows for text only).
 */
public record Prompt(int[] inputIds, PixelValues pixels) {
  public Prompt {
    inputIds = inputIds.clone();
  }

  @Override
  public int[] inputIds() {
    return inputIds.clone();
  }

  public int length() {
    return inputIds.length;
  }
}
