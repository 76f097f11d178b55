package vlmq.engine.image;

import vlmq.VlmqException;

/**
 * Qwen's {@code smart_resize} (transformers {@code image_processing_qwen2_vl.py}): the size an image is resized to
 * before patchifying, each side a multiple of {@code factor} and the area within [minPixels, maxPixels], aspect
 * ratio kept as well as that allows. It decides the image's token count, so it must round exactly as Python
 * does: half-to-even {@code round}, {@code floor} and {@code ceil} on doubles.
 */
public final class SmartResize {
  /** The largest long side / short side ratio the Qwen processors accept. */
  public static final double MAX_ASPECT_RATIO = 200;

  private SmartResize() {}

  /** A resized height and width in pixels. */
  public record Size(int height, int width) {}

  public static Size of(int height, int width, int factor, long minPixels, long maxPixels) {
    if (height < 1 || width < 1) {
      throw new VlmqException("image size " + width + "x" + height + " is empty");
    }
    double aspect = (double) Math.max(height, width) / Math.min(height, width);
    if (aspect > MAX_ASPECT_RATIO) {
      throw new VlmqException("image of " + width + "x" + height + " pixels has an aspect ratio of " + aspect
          + "; the Qwen-VL image processors refuse ratios above 200, crop or pad the image");
    }
    long hBar = (long) Math.rint((double) height / factor) * factor;
    long wBar = (long) Math.rint((double) width / factor) * factor;
    // Neither branch re-checks the other bound, as upstream.
    if (hBar * wBar > maxPixels) {
      double beta = Math.sqrt((double) ((long) height * width) / maxPixels);
      hBar = Math.max(factor, (long) Math.floor(height / beta / factor) * factor);
      wBar = Math.max(factor, (long) Math.floor(width / beta / factor) * factor);
    } else if (hBar * wBar < minPixels) {
      double beta = Math.sqrt(minPixels / (double) ((long) height * width));
      hBar = (long) Math.ceil(height * beta / factor) * factor;
      wBar = (long) Math.ceil(width * beta / factor) * factor;
    }
    return new Size(Math.toIntExact(hBar), Math.toIntExact(wBar));
  }
}
