package vlmq.io.safetensors;

import static vlmq.io.safetensors.CheckpointFormatException.corrupt;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import vlmq.VlmqException;

/**
 * One safetensors file, opened lazily: {@link #open} reads only the 8-byte length and the header; the whole
 * file is memory-mapped (any size, one {@link MemorySegment}) on the first {@link #data} call. Data slices are
 * read-only and usable from any thread until {@link #close}.
 */
public final class SafetensorsFile implements AutoCloseable {
  /** The Rust crate's {@code MAX_HEADER_SIZE}: a longer header is refused before anything is allocated. */
  public static final long MAX_HEADER_BYTES = 100_000_000;

  private final Path path;
  private final FileChannel channel;
  private final long fileSize;
  private final long dataOffset;
  private final SafetensorsHeader header;
  private final Map<String, TensorInfo> byName;
  private final Arena arena = Arena.ofShared();
  private volatile MemorySegment mapped;
  private volatile boolean closed;

  private SafetensorsFile(Path path, FileChannel channel, long fileSize, long dataOffset, SafetensorsHeader header) {
    this.path = path;
    this.channel = channel;
    this.fileSize = fileSize;
    this.dataOffset = dataOffset;
    this.header = header;
    this.byName = new HashMap<>(header.tensors().size() * 2);
    for (TensorInfo t : header.tensors()) byName.put(t.name(), t);
  }

  /** Reads and checks the header of {@code path}; throws {@link CheckpointFormatException} if it is malformed. */
  public static SafetensorsFile open(Path path) {
    // Checked before opening: opening a named pipe would block.
    if (!Files.exists(path)) throw new VlmqException(path + " does not exist: check the path of the checkpoint file");
    if (!Files.isRegularFile(path)) throw new VlmqException(path + " is not a regular file");
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new VlmqException("cannot open " + path + ": " + e.getMessage(), e);
    }
    try {
      long size = size(path, channel);
      if (size < 8) throw corrupt(path, "the file is " + size + " bytes long, too short for the 8-byte header length");
      long headerLength = readLong(path, channel);
      if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
        throw corrupt(path, "the header length " + Long.toUnsignedString(headerLength) + " exceeds the "
            + MAX_HEADER_BYTES + "-byte limit");
      }
      if (headerLength > size - 8) {
        throw corrupt(path, "the header length " + headerLength + " runs past the end of the file (" + size
            + " bytes; truncated?)");
      }
      byte[] json = readFully(path, channel, 8, (int) headerLength);
      long dataOffset = 8 + headerLength;
      var header = SafetensorsHeader.parse(path, json, size - dataOffset);
      return new SafetensorsFile(path, channel, size, dataOffset, header);
    } catch (RuntimeException e) {
      closeQuietly(channel, e);
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  /** The header's {@code __metadata__} (e.g. {@code format=pt}), in file order; empty if absent. */
  public Map<String, String> metadata() {
    return header.metadata();
  }

  /** Entries in data order (by offset). */
  public List<TensorInfo> tensors() {
    return header.tensors();
  }

  public Optional<TensorInfo> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** File offset of the data section: tensor offsets are relative to it. */
  public long dataOffset() {
    return dataOffset;
  }

  /** Read-only bytes of {@code tensor}, which must be an entry of this file; maps the file on first use. */
  public MemorySegment data(TensorInfo tensor) {
    if (!tensor.equals(byName.get(tensor.name()))) {
      throw new IllegalArgumentException(tensor.name() + " is not an entry of " + path);
    }
    return mapping().asSlice(dataOffset + tensor.begin(), tensor.byteSize());
  }

  /**
   * Reads {@code dst.byteSize()} bytes of {@code tensor} from byte {@code offset} on into {@code dst} (positioned
   * reads, safe from any thread). For streaming a tensor once this costs half the CPU of reading the mapping, whose
   * 4 KiB pages each fault in and miss the TLB.
   */
  public void read(TensorInfo tensor, long offset, MemorySegment dst) {
    if (!tensor.equals(byName.get(tensor.name()))) {
      throw new IllegalArgumentException(tensor.name() + " is not an entry of " + path);
    }
    if (offset < 0 || offset > tensor.byteSize() || dst.byteSize() > tensor.byteSize() - offset) {
      throw new IndexOutOfBoundsException(tensor.name() + ": reading " + dst.byteSize() + " bytes at " + offset
          + " overruns the tensor's " + tensor.byteSize() + " bytes");
    }
    if (closed) throw new IllegalStateException(path + " is closed");
    long position = dataOffset + tensor.begin() + offset;
    try {
      for (long done = 0; done < dst.byteSize(); ) {
        var buffer = dst.asSlice(done, Math.min(dst.byteSize() - done, 1L << 30)).asByteBuffer();
        while (buffer.hasRemaining()) {
          if (channel.read(buffer, position + done + buffer.position()) < 0) {
            throw corrupt(path, "the file ends inside " + tensor.name() + " (it shrank since it was opened?)");
          }
        }
        done += buffer.capacity();
      }
    } catch (IOException e) {
      throw new VlmqException("cannot read " + tensor.name() + " from " + path + ": " + e.getMessage(), e);
    }
  }

  private MemorySegment mapping() {
    if (closed) throw new IllegalStateException(path + " is closed");
    MemorySegment m = mapped;
    if (m != null) return m;
    synchronized (this) {
      if (closed) throw new IllegalStateException(path + " is closed");
      if (mapped == null) mapped = map();
      return mapped;
    }
  }

  private MemorySegment map() {
    try {
      long now = channel.size();
      if (now != fileSize) {
        throw corrupt(path, "the file changed size on disk since it was opened (" + fileSize + " → " + now + " bytes)");
      }
      return channel.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, arena).asReadOnly();
    } catch (IOException e) {
      throw new VlmqException("cannot map " + path + ": " + e.getMessage(), e);
    }
  }

  /** Unmaps the file: data segments handed out before become inaccessible. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    try {
      arena.close();
    } finally {
      closeQuietly(channel, null);
    }
  }

  @Override
  public String toString() {
    return path.toString();
  }

  private static long size(Path path, FileChannel channel) {
    try {
      return channel.size();
    } catch (IOException e) {
      throw new VlmqException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  private static long readLong(Path path, FileChannel channel) {
    byte[] b = readFully(path, channel, 0, 8);
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  private static byte[] readFully(Path path, FileChannel channel, long position, int length) {
    var buffer = ByteBuffer.allocate(length);
    try {
      while (buffer.hasRemaining()) {
        if (channel.read(buffer, position + buffer.position()) < 0) {
          throw corrupt(path, "the file ended while reading its header");
        }
      }
    } catch (IOException e) {
      throw new VlmqException("cannot read " + path + ": " + e.getMessage(), e);
    }
    return buffer.array();
  }

  private static void closeQuietly(FileChannel channel, RuntimeException pending) {
    try {
      channel.close();
    } catch (IOException e) {
      if (pending != null) pending.addSuppressed(e);
    }
  }
}
