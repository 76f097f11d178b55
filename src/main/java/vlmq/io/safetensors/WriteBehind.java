package vlmq.io.safetensors;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

/**
 * Keeps the disk busy while a checkpoint is still being written: once enough bytes have been written since the last
 * flush, a background thread flushes the files, so the flush before the rename waits only for the tail instead of
 * the whole checkpoint (the kernel alone would start writing back only when a tenth of memory is dirty). Flushed
 * pages are then released from the page cache ({@link PageCache}), so the writes recycle them.
 */
final class WriteBehind implements AutoCloseable {
  /** Flushing more often costs syscalls; less often leaves more for the final flush. */
  private static final long FLUSH_BYTES = 128L << 20;

  private final List<FileChannel> channels;
  private final List<Path> files;
  private long pending;
  private boolean closed;
  private Thread thread;
  private IOException failure;

  /** {@code files[i]} is the file {@code channels[i]} writes; both lists may grow until the first write. */
  WriteBehind(List<FileChannel> channels, List<Path> files) {
    this.channels = channels;
    this.files = files;
  }

  /** Records {@code bytes} written to the files; may wake the flushing thread. */
  synchronized void written(long bytes) {
    pending += bytes;
    if (pending < FLUSH_BYTES || closed) return;
    if (thread == null) {
      thread = Thread.ofPlatform().daemon().name("vlmq-write-behind").start(this::flushLoop);
    }
    notifyAll();
  }

  private void flushLoop() {
    while (true) {
      synchronized (this) {
        while (pending < FLUSH_BYTES && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) return;
        pending = 0;
      }
      try {
        for (int i = 0; i < channels.size(); i++) {
          channels.get(i).force(false);
          PageCache.release(files.get(i));
        }
      } catch (IOException e) {
        // The error is reported by close: Linux reports a writeback error to one fsync per file description only.
        synchronized (this) {
          if (failure == null) failure = e;
          closed = true;
        }
        return;
      }
    }
  }

  /** Stops the flushing thread, waiting for a flush in progress; rethrows the first error a flush met. */
  @Override
  public void close() throws IOException {
    Thread t;
    synchronized (this) {
      closed = true;
      notifyAll();
      t = thread;
    }
    if (t != null) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while flushing", e);
      }
    }
    synchronized (this) {
      if (failure != null) throw failure;
    }
  }
}
