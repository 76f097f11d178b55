package vlmq.engine.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** The committed references of tools/make_image_fixtures.py (Pillow 12.3 / transformers 5.18 outputs). */
final class ImageFixtures {
  private static final Path ROOT = root();
  static final JsonNode MANIFEST = json(ROOT.resolve("manifest.json"));

  private ImageFixtures() {}

  static Path path(String relative) {
    return ROOT.resolve(relative);
  }

  static byte[] gunzip(String relative) {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(path(relative)))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static float[] float32(String relative) {
    ByteBuffer bytes = ByteBuffer.wrap(gunzip(relative)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[bytes.remaining() / 4];
    bytes.asFloatBuffer().get(out);
    return out;
  }

  static JsonNode json(Path file) {
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path root() {
    try {
      return Path.of(ImageFixtures.class.getResource("/engine/image/manifest.json").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
