package vlmq.engine.tensor;

import java.util.stream.IntStream;

/**
 * Splits loops over the CPU's cores: the engine's matmuls and attention heads run through here so one setting
 * ({@code -Dvlmq.threads}, default every available processor) decides how many pieces a loop is cut into, hence at
 * most how many threads (the calling thread plus the common fork-join pool's workers) work on it.
 */
public final class Parallel {
  /** Below this many multiply-adds a loop runs on the calling thread: forking costs more than it saves. */
  private static final long MIN_PARALLEL_WORK = 1 << 15;

  private static final int THREADS = Integer.getInteger("vlmq.threads", Runtime.getRuntime().availableProcessors());

  private Parallel() {}

  /** One contiguous range {@code [from, to)} of a split loop; {@code chunk} numbers it below {@link #chunks}. */
  @FunctionalInterface
  public interface Range {
    void run(int chunk, int from, int to);
  }

  /** How many chunks {@link #forRange} makes at most: per-chunk scratch buffers are sized by it. */
  public static int chunks() {
    return Math.max(1, THREADS);
  }

  /**
   * Runs {@code body} over {@code [0, count)} cut into at most {@link #chunks()} contiguous ranges, in parallel
   * when {@code count · workPerItem} is large enough to pay for it.
   */
  public static void forRange(int count, long workPerItem, Range body) {
    int chunks = (int) Math.min(chunks(), count);
    if (chunks <= 1 || count * workPerItem < MIN_PARALLEL_WORK) {
      if (count > 0) body.run(0, 0, count);
      return;
    }
    IntStream.range(0, chunks).parallel()
        .forEach(c -> body.run(c, (int) ((long) count * c / chunks), (int) ((long) count * (c + 1) / chunks)));
  }
}
