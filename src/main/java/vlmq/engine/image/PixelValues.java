package vlmq.engine.image;

import java.util.List;

/**
 * The processor's output for a batch of images, as transformers returns it: {@code pixel_values}
 * [rows, cols] float32 row-major (all images' patches concatenated in input order, merge-block-major rows,
 * columns ordered channel, time, patch row, patch column) and one {@link GridThw} per image. {@code data} is
 * handed over, not copied: it can be hundreds of megabytes.
 */
public record PixelValues(float[] data, int rows, int cols, List<GridThw> gridThw, int mergeSize) {
  public PixelValues {
    gridThw = List.copyOf(gridThw);
  }

  /** Number of {@code <|image_pad|>} tokens of image {@code index}: t·h·w / merge². */
  public int tokens(int index) {
    return gridThw.get(index).tokens(mergeSize);
  }
}
