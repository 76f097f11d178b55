package vlmq.quantize;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One output tensor's unfinished work units; the unit that ends last runs the tensor's finishing step (a format
 * converting scales the quantizer wrote elsewhere), so no other thread is still writing what it reads.
 */
final class TensorCompletion {
  private final AtomicInteger remaining = new AtomicInteger();
  private Runnable finish = () -> {};

  /** Sets the unit count and finishing step; called before any unit runs. */
  void start(int units, Runnable finishStep) {
    remaining.set(units);
    this.finish = finishStep;
  }

  /** Records one unit as done; true (after finishing the tensor) when it was the last. */
  boolean unitDone() {
    if (remaining.decrementAndGet() != 0) return false;
    finish.run();
    return true;
  }
}
