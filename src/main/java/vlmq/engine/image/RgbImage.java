package vlmq.engine.image;

import java.nio.file.Path;
import vlmq.VlmqException;

/**
 * An 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B: the form PIL's {@code convert("RGB")}
 * hands to the image processor, and the only form the Qwen preprocessing works on.
 */
public final class RgbImage {
  private final int width;
  private final int height;
  private final byte[] rgb;

  /**
   * Takes ownership of {@code rgb} ({@code width * height * 3} bytes, row-major, R G B per pixel); the caller
   * must not modify it afterwards.
   */
  public RgbImage(int width, int height, byte[] rgb) {
    if (width < 1 || height < 1) {
      throw new VlmqException("image size " + width + "x" + height + " is empty");
    }
    if ((long) width * height * 3 != rgb.length) {
      throw new VlmqException("image " + width + "x" + height + " needs " + (long) width * height * 3
          + " RGB bytes, got " + rgb.length);
    }
    this.width = width;
    this.height = height;
    this.rgb = rgb;
  }

  /**
   * Decodes a PNG or JPEG file the way PIL's {@code Image.open(path).convert("RGB")} does (see
   * {@link ImageDecoder} for the mode-by-mode rules and the JPEG caveat).
   */
  public static RgbImage read(Path file) {
    return ImageDecoder.decode(file);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** A copy of the pixels, {@code width * height * 3} bytes. */
  public byte[] rgb() {
    return rgb.clone();
  }

  /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel (x, y), 0..255. */
  public int sample(int x, int y, int c) {
    return rgb[(y * width + x) * 3 + c] & 0xFF;
  }

  /** The pixels without a copy, for this package's hot loops; never modified there. */
  byte[] pixels() {
    return rgb;
  }
}
