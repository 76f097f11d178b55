package vlmq.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.numeric.Bf16;
import vlmq.numeric.DType;
import vlmq.recipe.Preset;

/** The streaming contract: row ranges, tensor statistics, outputs, heap use. */
class WeightQuantizerTest {
  private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private static MemorySegment randomBf16(Arena arena, long rows, long cols, long seed, float sigma) {
    SplittableRandom random = new SplittableRandom(seed);
    MemorySegment seg = arena.allocate(rows * cols * 2);
    for (long i = 0; i < rows * cols; i++)
      seg.set(BF16, 2 * i, Bf16.fromFloat((float) (random.nextGaussian() * sigma)));
    return seg;
  }

  private static Map<LinearParam, MemorySegment> outputs(Arena arena, LinearLayout layout) {
    return layout.segments(name -> arena.allocate(layout.tensors().stream()
        .filter(t -> t.name().equals(name)).findFirst().orElseThrow().byteSize()));
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
      var missing = new EnumMap<LinearParam, MemorySegment>(LinearParam.class);
      assertThatThrownBy(() -> q.quantizeRows(src, TensorStats.measure(src, DType.BF16, 16, 64), 0, 16, missing))
          .hasMessageContaining("m.weight_packed");
    }
  }

  @Test
  void wholeTensorOutputsMustHoldTheWholeTensorWhateverTheRowRange() {
    try (Arena arena = Arena.ofConfined()) {
      var q = WeightQuantizer.of(layout(Preset.FP8_DYNAMIC, 128, 64));
      var src = randomBf16(arena, 128, 64, 5, 0.02f);
      var out = outputs(arena, q.layout());
      out.put(LinearParam.WEIGHT, arena.allocate(64 * 64)); // room for the rows [64, 128) alone, not the tensor
      assertThatThrownBy(() -> q.quantizeRows(src, TensorStats.NONE, 64, 128, out))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("m.weight: no output segment of 8192");
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
      float gAlone = alone.get(LinearParam.WEIGHT_GLOBAL_SCALE).get(ModelDType.FLOAT, 0);
      float gShared = shared.get(LinearParam.WEIGHT_GLOBAL_SCALE).get(ModelDType.FLOAT, 0);
      assertThat(gShared).isEqualTo(vOut.get(LinearParam.WEIGHT_GLOBAL_SCALE).get(ModelDType.FLOAT, 0));
      assertThat(gShared).isLessThan(gAlone); // v's larger magnitudes lower k's global scale
    }
  }

  /**
   * Heap stays O(cols): a child JVM with an 8 MiB heap quantizes a 16 MiB weight (off-heap) under each strategy
   * family, as the CLI must quantize 7.5 GB models with -Xmx512m.
   */
  @Test
  void quantizesWeightsLargerThanTheHeap() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    var command = new java.util.ArrayList<>(List.of(java, "-Xmx8m", "--enable-native-access=ALL-UNNAMED"));
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent())
      command.addAll(List.of("--add-modules", "jdk.incubator.vector"));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), SmallHeap.class.getName()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(output).isZero();
    assertThat(output).contains("quantized FP8_BLOCK W4A16_ASYM NVFP4A16 MXFP4A16");
  }

  /** The child process of {@link #quantizesWeightsLargerThanTheHeap}. */
  public static final class SmallHeap {
    public static void main(String[] args) {
      long rows = 1024, cols = 8192;
      StringBuilder done = new StringBuilder("quantized");
      try (Arena arena = Arena.ofConfined()) {
        var src = randomBf16(arena, rows, cols, 6, 0.02f);
        for (Preset p : new Preset[] {Preset.FP8_BLOCK, Preset.W4A16_ASYM, Preset.NVFP4A16, Preset.MXFP4A16}) {
          var q = WeightQuantizer.of(layout(p, rows, cols));
          q.quantize(src, outputs(arena, q.layout()));
          done.append(' ').append(p);
        }
      }
      System.out.println(done);
    }
  }
}
