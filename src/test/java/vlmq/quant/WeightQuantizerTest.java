package vlmq.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.ThreadMXBean;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import vlmq.format.compressedtensors.LayoutTensor;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.TensorRole;
import vlmq.numeric.Bf16;
import vlmq.numeric.DType;
import vlmq.numeric.Kernels;
import vlmq.recipe.Preset;

/** The streaming contract: row ranges, tensor statistics, outputs, heap use. */
class WeightQuantizerTest {
  private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private static MemorySegment randomBf16(Arena arena, long rows, long cols, long seed, float sigma) {
    SplittableRandom random = new SplittableRandom(seed);
    MemorySegment seg = arena.allocate(rows * cols * 2);
    for (long i = 0; i < rows * cols; i++) seg.set(BF16, 2 * i, Bf16.fromFloat((float) (random.nextGaussian() * sigma)));
    return seg;
  }

  private static Map<TensorRole, MemorySegment> outputs(Arena arena, LinearLayout layout) {
    Map<TensorRole, MemorySegment> out = new EnumMap<>(TensorRole.class);
    for (LayoutTensor t : layout.tensors()) out.put(t.role(), arena.allocate(t.byteSize()));
    return out;
  }

  private static LinearLayout layout(Preset p, long rows, long cols) {
    return LinearLayout.of("m", p.format(), p.weights(), DType.BF16, rows, cols);
  }

  @Test
  void rowRangesMustStartOnTheAlignment() {
    try (Arena arena = Arena.ofConfined()) {
      var block = WeightQuantizer.of(layout(Preset.FP8_BLOCK, 300, 256));
      assertThat(block.rowAlignment()).isEqualTo(128);
      var src = randomBf16(arena, 300, 256, 1, 0.02f);
      var out = outputs(arena, block.layout());
      assertThatThrownBy(() -> block.quantizeRows(src, TensorStats.NONE, 64, 128, out))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiples of 128");
      block.quantizeRows(src, TensorStats.NONE, 256, 300, out); // the last, partial block ends at rows
      assertThat(WeightQuantizer.of(layout(Preset.W4A16_ASYM, 300, 256)).rowAlignment()).isEqualTo(8);
      assertThat(WeightQuantizer.of(layout(Preset.W4A16, 300, 256)).rowAlignment()).isEqualTo(1);
    }
  }

  @Test
  void tensorWideStrategiesRequireMeasuredStats() {
    try (Arena arena = Arena.ofConfined()) {
      var q = WeightQuantizer.of(layout(Preset.NVFP4A16, 16, 64));
      assertThat(q.needsTensorStats()).isTrue();
      assertThat(WeightQuantizer.of(layout(Preset.FP8_DYNAMIC, 16, 64)).needsTensorStats()).isFalse();
      var src = randomBf16(arena, 16, 64, 2, 0.02f);
      assertThatThrownBy(() -> q.quantizeRows(src, TensorStats.NONE, 0, 16, outputs(arena, q.layout())))
          .hasMessageContaining("TensorStats.measure");
      var missing = new EnumMap<TensorRole, MemorySegment>(TensorRole.class);
      assertThatThrownBy(() -> q.quantizeRows(src, TensorStats.measure(src, DType.BF16, 16, 64), 0, 16, missing))
          .hasMessageContaining("m.weight_packed");
    }
  }

  @Test
  void fusedMembersShareTheGlobalScaleOfTheirUnion() {
    try (Arena arena = Arena.ofConfined()) {
      var k = randomBf16(arena, 32, 64, 3, 0.02f);
      var v = randomBf16(arena, 32, 64, 4, 0.3f);
      var sk = TensorStats.measure(k, DType.BF16, 32, 64);
      var sv = TensorStats.measure(v, DType.BF16, 32, 64);
      var fused = TensorStats.union(sk, sv);
      assertThat(fused.absMax()).isEqualTo(Math.max(sk.absMax(), sv.absMax()));
      var q = WeightQuantizer.of(layout(Preset.NVFP4A16, 32, 64));
      var alone = outputs(arena, q.layout());
      var shared = outputs(arena, q.layout());
      q.quantizeRows(k, sk, 0, 32, alone);
      q.quantizeRows(k, fused, 0, 32, shared);
      var vOut = outputs(arena, q.layout());
      q.quantizeRows(v, fused, 0, 32, vOut);
      float gAlone = alone.get(TensorRole.WEIGHT_GLOBAL_SCALE).get(ModelDType.FLOAT, 0);
      float gShared = shared.get(TensorRole.WEIGHT_GLOBAL_SCALE).get(ModelDType.FLOAT, 0);
      assertThat(gShared).isEqualTo(vOut.get(TensorRole.WEIGHT_GLOBAL_SCALE).get(ModelDType.FLOAT, 0));
      assertThat(gShared).isLessThan(gAlone); // v's larger magnitudes lower k's global scale
    }
  }

  /**
   * Heap stays O(cols): an 8 MiB weight is quantized allocating under 1 MiB. Measured with the
   * scalar kernels, so the figure is this package's own allocation.
   */
  @Test
  void heapUseDoesNotGrowWithTheTensor() {
    var threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (Arena arena = Arena.ofConfined()) {
      long rows = 1024, cols = 4096;
      var src = randomBf16(arena, rows, cols, 5, 0.02f);
      for (Preset p : new Preset[] {Preset.FP8_BLOCK, Preset.W4A16_ASYM, Preset.NVFP4A16, Preset.MXFP4A16}) {
        var q = WeightQuantizer.of(layout(p, rows, cols), Kernels.scalar());
        var out = outputs(arena, q.layout());
        // Until C2 compiles them, MemorySegment accesses allocate: take the least of a few runs.
        long least = Long.MAX_VALUE;
        for (int run = 0; run < 12 && least >= 1 << 20; run++) {
          long before = threads.getCurrentThreadAllocatedBytes();
          q.quantize(src, out);
          least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertThat(least).as(p.name()).isLessThan(1 << 20); // the weight is 8 MiB, its outputs >= 2 MiB
      }
    }
  }
}
