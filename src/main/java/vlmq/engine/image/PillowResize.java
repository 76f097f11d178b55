package vlmq.engine.image;

import java.util.Arrays;
import vlmq.VlmqException;

/**
 * Pillow's {@code Image.resize(size, BICUBIC, reducing_gap=None)} on 8-bit RGB, reproduced operation for operation
 * from {@code src/libImaging/Resample.c} so the resized pixels are bit-identical to what transformers' PIL
 * image processor feeds the vision tower.
 *
 * <p>Separable: the horizontal pass runs first and its result is rounded and clamped to 8 bits before the vertical
 * pass; a pass is skipped when its dimension does not change. Weights come from the a = -0.5 cubic kernel,
 * widened by the scale on downscale (antialiasing), normalised to sum 1 in double and then stored as 22-bit
 * fixed point; accumulation is in 32-bit integers.
 */
public final class PillowResize {
  private static final int PRECISION_BITS = 32 - 8 - 2;
  private static final double BICUBIC_SUPPORT = 2.0;

  private PillowResize() {}

  /** {@code image} resized to {@code width x height}; the same image when the size does not change. */
  public static RgbImage bicubic(RgbImage image, int width, int height) {
    if (width < 1 || height < 1) {
      throw new VlmqException("cannot resize a " + image.width() + "x" + image.height() + " image to "
          + width + "x" + height);
    }
    if (width == image.width() && height == image.height()) {
      return image;
    }
    Taps vertical = Taps.of(image.height(), height);
    // Only the source rows the vertical pass reads go through the horizontal pass.
    int firstRow = vertical.first[0];
    int endRow = vertical.first[height - 1] + vertical.count[height - 1];
    byte[] pixels = image.pixels();
    int rowOffset = 0;
    if (width != image.width()) {
      pixels = horizontal(pixels, image.width(), firstRow, endRow, Taps.of(image.width(), width));
      rowOffset = firstRow;
    }
    if (height != image.height()) {
      pixels = vertical(pixels, width, rowOffset, vertical);
    }
    return new RgbImage(width, height, pixels);
  }

  private static byte[] horizontal(byte[] in, int inWidth, int firstRow, int endRow, Taps taps) {
    int outWidth = taps.first.length;
    byte[] out = new byte[(endRow - firstRow) * outWidth * 3];
    for (int y = firstRow, o = 0; y < endRow; y++) {
      int rowBase = y * inWidth;
      for (int xx = 0; xx < outWidth; xx++, o += 3) {
        int r = 1 << (PRECISION_BITS - 1);
        int g = r;
        int b = r;
        int k = xx * taps.size;
        int p = (rowBase + taps.first[xx]) * 3;
        for (int x = 0; x < taps.count[xx]; x++, p += 3) {
          int w = taps.weights[k + x];
          r += (in[p] & 0xFF) * w;
          g += (in[p + 1] & 0xFF) * w;
          b += (in[p + 2] & 0xFF) * w;
        }
        out[o] = clip8(r);
        out[o + 1] = clip8(g);
        out[o + 2] = clip8(b);
      }
    }
    return out;
  }

  private static byte[] vertical(byte[] in, int width, int rowOffset, Taps taps) {
    int outHeight = taps.first.length;
    int stride = width * 3;
    byte[] out = new byte[outHeight * stride];
    int[] acc = new int[stride];
    for (int yy = 0; yy < outHeight; yy++) {
      // Row by row instead of Pillow's pixel by pixel: integer sums do not depend on the order.
      Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
      for (int y = 0; y < taps.count[yy]; y++) {
        int w = taps.weights[yy * taps.size + y];
        int p = (taps.first[yy] - rowOffset + y) * stride;
        for (int i = 0; i < stride; i++) {
          acc[i] += (in[p + i] & 0xFF) * w;
        }
      }
      for (int i = 0, o = yy * stride; i < stride; i++) {
        out[o + i] = clip8(acc[i]);
      }
    }
    return out;
  }

  private static byte clip8(int acc) {
    int v = acc >> PRECISION_BITS;
    return (byte) (v < 0 ? 0 : Math.min(v, 255));
  }

  /** Pillow's cubic convolution kernel, a = -0.5, with its exact evaluation order. */
  static double bicubicFilter(double x) {
    final double a = -0.5;
    if (x < 0.0) {
      x = -x;
    }
    if (x < 1.0) {
      return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    }
    if (x < 2.0) {
      return (((x - 5) * x + 8) * x - 4) * a;
    }
    return 0.0;
  }

  /**
   * One axis' filter taps ({@code precompute_coeffs} + {@code normalize_coeffs_8bpc}): output i reads
   * {@code count[i]} inputs from {@code first[i]} with fixed-point {@code weights[i * size ..]}.
   */
  record Taps(int[] first, int[] count, int[] weights, int size) {
    static Taps of(int inSize, int outSize) {
      // Pillow passes the box edges as C floats: (double) (float) inSize is its in1 - in0.
      double scale = (double) (float) inSize / outSize;
      double filterScale = Math.max(scale, 1.0);
      double support = BICUBIC_SUPPORT * filterScale;
      int size = (int) Math.ceil(support) * 2 + 1;
      double inverseScale = 1.0 / filterScale;
      int[] first = new int[outSize];
      int[] count = new int[outSize];
      int[] weights = new int[Math.multiplyExact(outSize, size)];
      double[] k = new double[size];
      for (int xx = 0; xx < outSize; xx++) {
        double center = (xx + 0.5) * scale;
        int min = Math.max(0, (int) (center - support + 0.5));
        int n = Math.min(inSize, (int) (center + support + 0.5)) - min;
        double sum = 0.0;
        for (int x = 0; x < n; x++) {
          k[x] = bicubicFilter((x + min - center + 0.5) * inverseScale);
          sum += k[x];
        }
        for (int x = 0; x < n; x++) {
          if (sum != 0.0) {
            k[x] /= sum;
          }
          weights[xx * size + x] = k[x] < 0
              ? (int) (-0.5 + k[x] * (1 << PRECISION_BITS))
              : (int) (0.5 + k[x] * (1 << PRECISION_BITS));
        }
        first[xx] = min;
        count[xx] = n;
      }
      return new Taps(first, count, weights, size);
    }
  }
}
