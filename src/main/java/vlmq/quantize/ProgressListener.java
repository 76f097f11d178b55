package vlmq.quantize;

/** Receives progress of a long job; implementations render it (a terminal line) or ignore it (CI, pipes). */
public interface ProgressListener {
  ProgressListener NONE = new ProgressListener() {
    @Override
    public void start(String what, long totalBytes, int totalItems) {}

    @Override
    public void advance(long bytes, int itemsDone) {}

    @Override
    public void finish() {}
  };

  /** A new phase: {@code totalBytes} of work over {@code totalItems} items (tensors). */
  void start(String what, long totalBytes, int totalItems);

  /** {@code bytes} more were processed; {@code itemsDone} items are complete so far. Called from worker threads. */
  void advance(long bytes, int itemsDone);

  void finish();
}
