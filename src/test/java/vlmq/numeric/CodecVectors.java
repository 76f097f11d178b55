package vlmq.numeric;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The PyTorch reference vectors written by {@code tools/gen_codec_vectors.py}; see that script for what each section
 * holds.
 *
 * <p>Layout (gzip of): magic {@code VLMQVEC1}, u32 section count, then per section: u16 name length, ASCII name, u32
 * element size in bytes, u32 element count, the elements; all little-endian.
 */
final class CodecVectors {
  private static final String RESOURCE = "/numeric/codec-vectors.bin.gz";
  private static volatile CodecVectors loaded;

  private final Map<String, ByteBuffer> sections;

  private CodecVectors(Map<String, ByteBuffer> sections) {
    this.sections = sections;
  }

  static CodecVectors get() {
    if (loaded == null) loaded = read();
    return loaded;
  }

  private static CodecVectors read() {
    try (InputStream raw = CodecVectors.class.getResourceAsStream(RESOURCE)) {
      if (raw == null) throw new IllegalStateException(RESOURCE + " missing: run python3 tools/gen_codec_vectors.py");
      ByteBuffer all = ByteBuffer.wrap(new GZIPInputStream(raw).readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
      byte[] magic = new byte[8];
      all.get(magic);
      if (!"VLMQVEC1".equals(new String(magic, StandardCharsets.US_ASCII))) {
        throw new IllegalStateException(RESOURCE + ": bad magic");
      }
      int count = all.getInt();
      Map<String, ByteBuffer> sections = new LinkedHashMap<>();
      for (int s = 0; s < count; s++) {
        byte[] name = new byte[all.getShort()];
        all.get(name);
        int width = all.getInt();
        int elements = all.getInt();
        ByteBuffer data = all.slice(all.position(), width * elements).order(ByteOrder.LITTLE_ENDIAN);
        all.position(all.position() + width * elements);
        sections.put(new String(name, StandardCharsets.US_ASCII), data);
      }
      return new CodecVectors(sections);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ByteBuffer section(String name) {
    ByteBuffer b = sections.get(name);
    if (b == null) throw new IllegalStateException(RESOURCE + ": no section " + name);
    return b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  int[] ints(String name) {
    ByteBuffer b = section(name);
    int[] out = new int[b.remaining() / 4];
    b.asIntBuffer().get(out);
    return out;
  }

  short[] shorts(String name) {
    ByteBuffer b = section(name);
    short[] out = new short[b.remaining() / 2];
    b.asShortBuffer().get(out);
    return out;
  }

  byte[] bytes(String name) {
    ByteBuffer b = section(name);
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /** The f32 inputs of the {@code to_*} sections, as raw bits. */
  int[] inputBits() {
    return ints("inputs");
  }
}
