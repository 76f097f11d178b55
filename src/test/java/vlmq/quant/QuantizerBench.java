package vlmq.quant;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.numeric.Bf16;
import vlmq.numeric.DType;
import vlmq.numeric.Kernels;
import vlmq.numeric.KernelsBench;
import vlmq.recipe.Preset;

/**
 * One thread quantizing a 2048×11008 bf16 weight (an MLP projection of a 3B model, 45 MB) from a native segment into
 * preallocated outputs, per preset and kernel implementation (not run by surefire). Input throughput in MB/s is
 * {@value #INPUT_MB} / (ms/op) · 1000. {@code tensorStats} is the extra pass per-tensor strategies (NVFP4's global
 * scale) make first; {@code copyInput} and {@code widenRows} are floors (they ignore the preset: pick one with
 * {@code -p preset=W4A16}).
 *
 * <pre>
 * mvn -B -q -ntp test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java --add-modules jdk.incubator.vector -cp target/test-classes:target/classes:$(cat target/cp.txt) \
 *     org.openjdk.jmh.Main QuantizerBench -f 1 -wi 3 -i 5      # add -prof gc for allocation per op
 * </pre>
 * On a shared machine {@code -bm sample -tu ms} is steadier: its p0.00 row is the run least disturbed by others.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class QuantizerBench {
  static final long ROWS = 2048;
  static final long COLS = 11008;
  static final double INPUT_MB = ROWS * COLS * 2 / 1e6;

  @Param({"FP8_DYNAMIC", "FP8_BLOCK", "W8A8", "W4A16", "W4A16_ASYM", "NVFP4A16"})
  public String preset;

  @Param({"scalar", "panama"})
  public String impl;

  private Arena arena;
  private MemorySegment src;
  private WeightQuantizer quantizer;
  private Kernels kernels;
  private TensorStats stats;
  private Map<LinearParam, MemorySegment> outputs;
  private MemorySegment copy;
  private float[] row;

  @Setup(Level.Trial)
  public void setUp() {
    kernels = KernelsBench.kernels(impl);
    arena = Arena.ofShared();
    src = arena.allocate(ROWS * COLS * 2);
    ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    SplittableRandom r = new SplittableRandom(42);
    for (long i = 0; i < ROWS * COLS; i++) src.set(le, 2 * i, Bf16.fromFloat((float) (r.nextGaussian() * 0.02)));
    Preset p = Preset.valueOf(preset);
    LinearLayout layout = LinearLayout.of("model.layers.0.mlp.down_proj", p.format(), p.weights(), DType.BF16, ROWS,
        COLS);
    quantizer = WeightQuantizer.of(layout, kernels);
    stats = quantizer.needsTensorStats() ? TensorStats.measure(src, DType.BF16, ROWS, COLS) : TensorStats.NONE;
    copy = arena.allocate(src.byteSize());
    row = new float[(int) COLS];
    outputs = layout.segments(name -> arena.allocate(layout.tensors().stream()
        .filter(t -> t.name().equals(name)).findFirst().orElseThrow().byteSize()));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    arena.close();
  }

  @Benchmark
  public Map<LinearParam, MemorySegment> quantizeRows() {
    quantizer.quantizeRows(src, stats, 0, ROWS, outputs);
    return outputs;
  }

  @Benchmark
  public TensorStats tensorStats() {
    return TensorStats.measure(src, DType.BF16, ROWS, COLS);
  }

  /** The floor: what copying the weight unchanged costs (the job's path for tensors it does not quantize). */
  @Benchmark
  public MemorySegment copyInput() {
    MemorySegment.copy(src, 0, copy, 0, src.byteSize());
    return copy;
  }

  /** Reading and widening every row, the first step of each quantizer. */
  @Benchmark
  public float[] widenRows() {
    for (long r = 0; r < ROWS; r++) kernels.bf16ToF32(src, r * COLS * 2, row, 0, (int) COLS);
    return row;
  }
}
