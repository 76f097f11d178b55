package vlmq.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The pool covers every index once per loop, with distinct chunk numbers, nested or not, and reports failures. */
class ParallelTest {
  @Test
  void everyIndexRunsOnceInItsChunk() {
    for (int round = 0; round < 200; round++) {
      int count = 1 + round * 7;
      var seen = new AtomicIntegerArray(count);
      var chunkOf = new AtomicIntegerArray(count);
      Parallel.forRange(count, 1 << 20, (chunk, from, to) -> {
        assertThat(chunk).isBetween(0, Parallel.chunks() - 1);
        for (int i = from; i < to; i++) {
          seen.incrementAndGet(i);
          chunkOf.set(i, chunk);
        }
      });
      for (int i = 0; i < count; i++) assertThat(seen.get(i)).as("index %d of %d", i, count).isEqualTo(1);
      for (int i = 1; i < count; i++) assertThat(chunkOf.get(i)).isGreaterThanOrEqualTo(chunkOf.get(i - 1));
    }
  }

  @Test
  void aLoopInsideALoopRunsOnItsCallersThread() {
    int outer = 8;
    int inner = 50;
    var seen = new AtomicIntegerArray(outer * inner);
    Parallel.forRange(outer, 1 << 20, (chunk, from, to) -> {
      for (int o = from; o < to; o++) {
        int base = o * inner;
        Parallel.forRange(inner, 1 << 20, (c, f, t) -> {
          for (int i = f; i < t; i++) seen.incrementAndGet(base + i);
        });
      }
    });
    for (int i = 0; i < outer * inner; i++) assertThat(seen.get(i)).isEqualTo(1);
  }

  @Test
  void aFailingChunkFailsTheLoopAndThePoolCarriesOn() {
    assertThatThrownBy(() -> Parallel.forRange(100, 1 << 20, (chunk, from, to) -> {
      if (from <= 70 && 70 < to) throw new IllegalStateException("chunk with 70");
    })).isInstanceOf(IllegalStateException.class).hasMessage("chunk with 70");
    var seen = new AtomicIntegerArray(100);
    Parallel.forRange(100, 1 << 20, (chunk, from, to) -> {
      for (int i = from; i < to; i++) seen.incrementAndGet(i);
    });
    for (int i = 0; i < 100; i++) assertThat(seen.get(i)).isEqualTo(1);
  }
}
