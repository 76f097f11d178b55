package vlmq.engine.image;

/**
 * One image's patch grid, transformers' {@code image_grid_thw} row: {@code t} temporal patches (1 for a still
 * image) of {@code h x w} spatial patches. It fixes the image's rows in {@code pixel_values}, its vision positions
 * and its number of {@code <|image_pad|>} tokens.
 */
public record GridThw(int t, int h, int w) {
  /** Rows of {@code pixel_values} this image occupies. */
  public long patches() {
    return (long) t * h * w;
  }

  /** LLM tokens after the merger folds {@code mergeSize x mergeSize} patches into one. */
  public int tokens(int mergeSize) {
    return Math.toIntExact(patches() / ((long) mergeSize * mergeSize));
  }
}
