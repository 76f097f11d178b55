package vlmq.engine.image;

import java.util.ArrayList;
import java.util.List;
import vlmq.VlmqException;

/**
 * transformers' {@code Qwen2VLImageProcessorPil} (the image processor of Qwen2-VL, Qwen2.5-VL, Qwen3-VL and
 * Qwen3.5): smart_resize, Pillow bicubic, rescale, normalise, then patchify into {@code pixel_values} rows of
 * {@code 3·T·P·P}, so the vision tower gets the exact float32 inputs HF computes for the same image.
 *
 * <p>Arithmetic follows the PIL path: {@code (float) (u8 * rescale_factor)} in double, then
 * {@code (x - (float) mean) / (float) std} in float. A still image is repeated over the T temporal slices.
 */
public final class QwenImageProcessor {
  private final ImageProcessorConfig config;
  /** Per channel, the float each 8-bit level becomes after rescale and normalise (the PIL path op for op). */
  private final float[][] levels = new float[3][256];

  public QwenImageProcessor(ImageProcessorConfig config) {
    this.config = config;
    double[] mean = config.imageMean();
    double[] std = config.imageStd();
    for (int c = 0; c < 3; c++) {
      for (int u = 0; u < 256; u++) {
        float x = config.doRescale() ? (float) (u * config.rescaleFactor()) : u;
        levels[c][u] = config.doNormalize() ? (x - (float) mean[c]) / (float) std[c] : x;
      }
    }
  }

  public ImageProcessorConfig config() {
    return config;
  }

  /** The grid an image of this size gets, without decoding or resizing it (vLLM's placeholder count needs it). */
  public GridThw grid(int width, int height) {
    int p = config.patchSize();
    if (config.doResize()) {
      SmartResize.Size size = SmartResize.of(height, width, config.factor(), config.minPixels(), config.maxPixels());
      return new GridThw(1, size.height() / p, size.width() / p);
    }
    if (height % config.factor() != 0 || width % config.factor() != 0) {
      throw new VlmqException("do_resize is false, so every image side must be a multiple of patch_size * "
          + "merge_size = " + config.factor() + ", but an image is " + width + "x" + height);
    }
    return new GridThw(1, height / p, width / p);
  }

  /** {@code pixel_values} and {@code image_grid_thw} for {@code images}, in order. */
  public PixelValues process(List<RgbImage> images) {
    int p = config.patchSize();
    int cols = 3 * config.temporalPatchSize() * p * p;
    List<GridThw> grids = new ArrayList<>(images.size());
    long rows = 0;
    for (RgbImage image : images) {
      GridThw grid = grid(image.width(), image.height());
      grids.add(grid);
      rows += grid.patches();
    }
    if (rows * cols > Integer.MAX_VALUE - 8) {
      throw new VlmqException(images.size() + " images make " + rows + " patches of " + cols + " values, more "
          + "than one Java array holds; process fewer images at a time or lower max_pixels");
    }
    float[] data = new float[(int) (rows * cols)];
    int row = 0;
    for (int i = 0; i < images.size(); i++) {
      GridThw grid = grids.get(i);
      RgbImage image = config.doResize()
          ? PillowResize.bicubic(images.get(i), grid.w() * p, grid.h() * p)
          : images.get(i);
      patchify(image, grid, data, row, cols);
      row += (int) grid.patches();
    }
    return new PixelValues(data, (int) rows, cols, grids, config.mergeSize());
  }

  /**
   * Writes the image's patches from {@code firstRow}: merge blocks in raster order, the M×M patches of a block in
   * raster order; inside a row, index ((ch·T + t)·P + py)·P + px, which is the Conv3d weight's flatten order.
   */
  private void patchify(RgbImage image, GridThw grid, float[] data, int firstRow, int cols) {
    int p = config.patchSize();
    int m = config.mergeSize();
    int temporal = config.temporalPatchSize();
    int slice = p * p;
    byte[] pixels = image.pixels();
    int width = image.width();
    int row = firstRow;
    for (int bh = 0; bh < grid.h() / m; bh++) {
      for (int bw = 0; bw < grid.w() / m; bw++) {
        for (int mh = 0; mh < m; mh++) {
          for (int mw = 0; mw < m; mw++, row++) {
            int top = (bh * m + mh) * p;
            int left = (bw * m + mw) * p;
            for (int ch = 0; ch < 3; ch++) {
              float[] level = levels[ch];
              int out = row * cols + ch * temporal * slice;
              for (int py = 0; py < p; py++) {
                int in = ((top + py) * width + left) * 3 + ch;
                for (int px = 0; px < p; px++, in += 3) {
                  data[out + py * p + px] = level[pixels[in] & 0xFF];
                }
              }
              for (int t = 1; t < temporal; t++) {
                System.arraycopy(data, out, data, out + t * slice, slice);
              }
            }
          }
        }
      }
    }
  }
}
