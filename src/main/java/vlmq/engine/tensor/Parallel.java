package vlmq.engine.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits loops over the CPU's cores: the engine's matmuls and attention heads run through here so one setting
 * ({@code -Dvlmq.threads}, default every available processor) decides how many pieces a loop is cut into, hence at
 * most how many threads work on it: the calling thread plus a persistent pool of daemon workers.
 *
 * <p>A decoded token runs hundreds of these loops of tens of microseconds each, so the pool is built for latency:
 * workers spin briefly for the next loop before parking, chunks are claimed from a shared counter (a slow core takes
 * fewer), and the call chain from a worker to the loop body is short, which keeps the JIT's inlining of the Vector API
 * kernels within its depth limit. A loop started while another runs (from another thread, or nested) runs on the
 * calling thread alone, chunk by chunk.
 */
public final class Parallel {
  /** Below this many multiply-adds a loop runs on the calling thread: waking workers costs more than it saves. */
  private static final long MIN_PARALLEL_WORK = 1 << 15;
  /** Busy-wait iterations before a waiting thread parks: about the gap between a token's consecutive loops. */
  private static final int SPINS = 1 << 14;

  private static final int THREADS = Integer.getInteger("vlmq.threads", Runtime.getRuntime().availableProcessors());
  private static final AtomicReference<Job> CURRENT = new AtomicReference<>();
  private static final Thread[] WORKERS = startWorkers(Math.max(1, THREADS) - 1);

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
   * when {@code count · workPerItem} is large enough to pay for it. Returns when every range has run; an exception
   * from any range is rethrown here.
   */
  public static void forRange(int count, long workPerItem, Range body) {
    int chunks = (int) Math.min(chunks(), count);
    if (chunks <= 1 || count * workPerItem < MIN_PARALLEL_WORK) {
      if (count > 0) body.run(0, 0, count);
      return;
    }
    Job job = new Job(body, count, chunks, Thread.currentThread());
    if (!CURRENT.compareAndSet(null, job)) { // the pool is busy: this loop runs here, chunk by chunk
      for (int c = 0; c < chunks; c++) job.runChunk(c);
      job.rethrow();
      return;
    }
    for (Thread worker : WORKERS) LockSupport.unpark(worker);
    job.work();
    job.awaitDone();
    CURRENT.set(null);
    job.rethrow();
  }

  /** One loop handed to the pool: chunks are claimed by whoever gets to the counter first. */
  private static final class Job {
    final Range body;
    final int count;
    final int chunks;
    final Thread caller;
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger done = new AtomicInteger();
    volatile Throwable failure;

    Job(Range body, int count, int chunks, Thread caller) {
      this.body = body;
      this.count = count;
      this.chunks = chunks;
      this.caller = caller;
    }

    /** Claims and runs chunks until none is left. */
    void work() {
      for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
        runChunk(c);
        if (done.incrementAndGet() == chunks) LockSupport.unpark(caller);
      }
    }

    void runChunk(int c) {
      try {
        body.run(c, (int) ((long) count * c / chunks), (int) ((long) count * (c + 1) / chunks));
      } catch (Throwable t) {
        if (failure == null) failure = t;
      }
    }

    void awaitDone() {
      for (int spin = 0; done.get() < chunks; spin++) {
        if (spin < SPINS) Thread.onSpinWait();
        else LockSupport.park(this);
      }
    }

    void rethrow() {
      Throwable t = failure;
      if (t instanceof RuntimeException r) throw r;
      if (t instanceof Error e) throw e;
      if (t != null) throw new IllegalStateException(t);
    }
  }

  private static Thread[] startWorkers(int count) {
    Thread[] workers = new Thread[count];
    for (int i = 0; i < count; i++) {
      workers[i] = new Thread(Parallel::workerLoop, "vlmq-parallel-" + (i + 1));
      workers[i].setDaemon(true);
      workers[i].start();
    }
    return workers;
  }

  /** Waits for a job it has not worked on yet, helps with it, and waits again. */
  private static void workerLoop() {
    Job last = null;
    while (true) {
      Job job = CURRENT.get();
      for (int spin = 0; job == null || job == last; spin++) {
        if (spin < SPINS) Thread.onSpinWait();
        else LockSupport.park();
        job = CURRENT.get();
      }
      job.work();
      last = job;
    }
  }
}
