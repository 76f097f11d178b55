package vlmq.quantize;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A worker thread's reusable off-heap buffer for one work unit: the unit's source bytes are read into it, the
 * quantizer's output goes beside them, and the writer streams that to the file, so neither input nor output is
 * mapped. It grows to the largest unit the thread has run.
 */
final class UnitBuffer {
  private static final ThreadLocal<UnitBuffer> LOCAL = ThreadLocal.withInitial(UnitBuffer::new);
  /** Slices start on cache lines, as the kernels' vector stores prefer. */
  private static final long ALIGN = 64;

  private MemorySegment memory = MemorySegment.NULL;
  private long used;

  private UnitBuffer() {}

  /** The calling thread's buffer, emptied and holding at least {@code bytes} (as {@link #aligned} sizes sum up). */
  static UnitBuffer reserve(long bytes) {
    UnitBuffer b = LOCAL.get();
    if (b.memory.byteSize() < bytes) b.memory = Arena.ofAuto().allocate(bytes, ALIGN); // the old one goes with GC
    b.used = 0;
    return b;
  }

  /** The space {@code bytes} takes in the buffer. */
  static long aligned(long bytes) {
    return (bytes + ALIGN - 1) / ALIGN * ALIGN;
  }

  /** The next {@code bytes} of the buffer; the slices taken since {@link #reserve} are disjoint. */
  MemorySegment take(long bytes) {
    MemorySegment slice = memory.asSlice(used, bytes);
    used += aligned(bytes);
    return slice;
  }
}
