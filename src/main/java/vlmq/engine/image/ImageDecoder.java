package vlmq.engine.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.Element;
import vlmq.VlmqException;

/**
 * PNG and JPEG decoding with the JDK's ImageIO into the bytes PIL's {@code Image.open(f).convert("RGB")} gives,
 * because that is what transformers' Qwen image processor receives.
 *
 * <p>PNG is bit-exact with Pillow for every color type, read from the raw samples (no gamma, no ICC):
 * <ul>
 *   <li>RGB and RGBA: alpha is dropped without compositing; tRNS is ignored.</li>
 *   <li>Gray (L), gray+alpha (LA): the gray value in all three channels; 1/2/4-bit gray scaled to 0..255.</li>
 *   <li>Palette: the PLTE color of each index, transparency ignored, indices past the palette black.</li>
 *   <li>16-bit RGB, RGBA and gray+alpha: the high byte of each sample.</li>
 *   <li>16-bit gray is refused: Pillow opens it as mode {@code I;16}, whose {@code convert("RGB")} saturates every
 *       value above 255, so the image transformers sees is nearly white.</li>
 * </ul>
 *
 * <p>JPEG: ImageIO's libjpeg and Pillow's libjpeg-turbo may differ by a level or two at some pixels, ImageIO
 * converts an embedded non-sRGB ICC profile where Pillow does not, and CMYK JPEGs are refused. Neither applies
 * EXIF orientation (transformers' processor does not either when handed a PIL image).
 */
final class ImageDecoder {
  private ImageDecoder() {}

  static RgbImage decode(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new VlmqException("image file " + file + " does not exist or is not a regular file");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        throw new VlmqException("image file " + file + " is not a PNG or JPEG image (format not recognised)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, false);
        return switch (reader.getFormatName().toLowerCase(Locale.ROOT)) {
          case "png" -> png(reader, file);
          case "jpeg", "jpg" -> jpeg(reader, file);
          default -> throw new VlmqException("image file " + file + " is " + reader.getFormatName()
              + "; only PNG and JPEG are supported, convert it to PNG");
        };
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof VlmqException v) {
        throw v;
      }
      throw new VlmqException("cannot decode image file " + file + " (" + e.getMessage()
          + "); is it a complete, valid PNG or JPEG?", e);
    }
  }

  private static RgbImage png(ImageReader reader, Path file) throws IOException {
    Element ihdr = (Element) ((Element) reader.getImageMetadata(0).getAsTree("javax_imageio_png_1.0"))
        .getElementsByTagName("IHDR").item(0);
    String colorType = ihdr.getAttribute("colorType");
    int bitDepth = Integer.parseInt(ihdr.getAttribute("bitDepth"));
    if (colorType.equals("Grayscale") && bitDepth == 16) {
      throw new VlmqException("image file " + file + " is a 16-bit grayscale PNG: Pillow's convert(\"RGB\") "
          + "saturates every value above 255, so transformers would see a white image; convert it to 8-bit first");
    }
    BufferedImage image = reader.read(0);
    // 16-bit samples keep their high byte, as Pillow's "RGB;16B"-style unpackers do.
    int shift = bitDepth == 16 ? 8 : 0;
    return switch (colorType) {
      case "RGB", "RGBAlpha" -> fromBands(image, 0, 1, 2, shift);
      case "Grayscale", "GrayAlpha" -> image.getColorModel() instanceof IndexColorModel
          ? fromPalette(image)
          : fromBands(image, 0, 0, 0, shift);
      case "Palette" -> fromPalette(image);
      default -> throw new VlmqException("image file " + file + " has an unknown PNG color type " + colorType);
    };
  }

  private static RgbImage jpeg(ImageReader reader, Path file) throws IOException {
    BufferedImage image;
    try {
      image = reader.read(0);
    } catch (IIOException e) {
      if (String.valueOf(e.getMessage()).contains("Unsupported Image Type")) {
        throw new VlmqException("image file " + file + " is a CMYK or YCCK JPEG, which is not supported; "
            + "convert it to an RGB JPEG or PNG first", e);
      }
      throw e;
    }
    ColorModel cm = image.getColorModel();
    int bands = image.getRaster().getNumBands();
    if (cm.getColorSpace().getNumComponents() == 1 && bands == 1) {
      return fromBands(image, 0, 0, 0, 0);
    }
    if (cm.getColorSpace().getNumComponents() == 3 && bands == 3 && cm.getComponentSize(0) == 8) {
      return fromBands(image, 0, 1, 2, 0);
    }
    throw new VlmqException("image file " + file + " is a JPEG with " + bands + " channels that are neither gray "
        + "nor RGB (CMYK?); convert it to RGB first");
  }

  /** Bands r, g, b of the raster as 8-bit channels (shift 8 keeps the high byte of 16-bit samples). */
  private static RgbImage fromBands(BufferedImage image, int r, int g, int b, int shift) {
    Raster raster = image.getRaster();
    int w = raster.getWidth();
    int h = raster.getHeight();
    int bands = raster.getNumBands();
    byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
    int[] row = new int[w * bands];
    for (int y = 0, o = 0; y < h; y++) {
      raster.getPixels(0, y, w, 1, row);
      for (int x = 0; x < w; x++, o += 3) {
        int p = x * bands;
        rgb[o] = (byte) (row[p + r] >> shift);
        rgb[o + 1] = (byte) (row[p + g] >> shift);
        rgb[o + 2] = (byte) (row[p + b] >> shift);
      }
    }
    return new RgbImage(w, h, rgb);
  }

  /** Indexed pixels through their color map (PNG palettes, and ImageIO's gray ramp for 1/2/4-bit gray). */
  private static RgbImage fromPalette(BufferedImage image) {
    IndexColorModel cm = (IndexColorModel) image.getColorModel();
    int[] lut = new int[256];
    for (int i = 0; i < Math.min(256, cm.getMapSize()); i++) {
      lut[i] = cm.getRed(i) << 16 | cm.getGreen(i) << 8 | cm.getBlue(i);
    }
    Raster raster = image.getRaster();
    int w = raster.getWidth();
    int h = raster.getHeight();
    byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
    int[] row = new int[w];
    for (int y = 0, o = 0; y < h; y++) {
      raster.getSamples(0, y, w, 1, 0, row);
      for (int x = 0; x < w; x++, o += 3) {
        int c = lut[row[x] & 0xFF];
        rgb[o] = (byte) (c >> 16);
        rgb[o + 1] = (byte) (c >> 8);
        rgb[o + 2] = (byte) c;
      }
    }
    return new RgbImage(w, h, rgb);
  }
}
