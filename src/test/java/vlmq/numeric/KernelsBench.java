package vlmq.numeric;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
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

/**
 * Scalar vs Panama for the checkpoint-reading, quantizing and matvec loops (not run by surefire). The Panama side is
 * {@link Kernels#get()}, so only the CPU's widest variant is loaded, as in production; {@code -p impl=panama-256}
 * picks a width (each fork loads one).
 *
 * <pre>
 * mvn -B -q -ntp test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java --add-modules jdk.incubator.vector -cp target/test-classes:target/classes:$(cat target/cp.txt) \
 *     org.openjdk.jmh.Main KernelsBench -f 1 -wi 3 -w 1 -i 5 -r 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class KernelsBench {
  @Param({"scalar", "panama"})
  public String impl;

  @Param({"4096"})
  public int n;

  private Kernels kernels;
  private Arena arena;
  private MemorySegment bf16;
  private MemorySegment fp8;
  private float[] values;
  private float[] out;
  private float[] groupMins;
  private float[] groupMaxs;
  private float[] groupScales;
  private float[] groupZeros;

  @Setup(Level.Trial)
  public void setUp() {
    kernels = kernels(impl);
    SplittableRandom r = new SplittableRandom(42);
    values = new float[n];
    out = new float[n];
    for (int i = 0; i < n; i++) values[i] = (float) (r.nextGaussian() * 3);
    int groups = Math.ceilDiv(n, 16);
    groupMins = new float[groups];
    groupMaxs = new float[groups];
    groupScales = new float[groups];
    groupZeros = new float[groups];
    for (int g = 0; g < groups; g++) groupScales[g] = Bf16.round((float) (0.5 + r.nextDouble()));
    arena = Arena.ofShared();
    // One byte past alignment, like a tensor at an arbitrary offset in an mmapped shard.
    bf16 = arena.allocate(2L * n + 1).asSlice(1);
    fp8 = arena.allocate(n);
    ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) bf16.set(le, 2L * i, Bf16.fromFloat(values[i]));
  }

  /** "scalar", "panama" (the CPU's widest) or "panama-BITS" (e.g. {@code -p impl=panama-256}). */
  public static Kernels kernels(String impl) {
    Kernels k = switch (impl) {
      case "scalar" -> Kernels.scalar();
      case "panama" -> Kernels.get();
      default -> Kernels.panama(Integer.parseInt(impl.substring("panama-".length()))).orElseThrow();
    };
    if (!k.name().startsWith(impl)) throw new IllegalStateException("wanted " + impl + ", got " + k);
    return k;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    arena.close();
  }

  @Benchmark
  public float[] bf16ToF32() {
    kernels.bf16ToF32(bf16, 0, out, 0, n);
    return out;
  }

  @Benchmark
  public MemorySegment f32ToFp8E4m3() {
    kernels.f32ToFp8E4m3(values, 0, n, fp8, 0);
    return fp8;
  }

  @Benchmark
  public float[] bf16MinMax() {
    kernels.bf16MinMax(bf16, 0, n, groupMins);
    return groupMins;
  }

  @Benchmark
  public float[] minMaxGroups16() {
    kernels.minMaxGroups(values, 0, n, 16, groupMins, groupMaxs);
    return groupMins;
  }

  @Benchmark
  public float[] absMaxGroups16() {
    kernels.absMaxGroups(values, 0, n, 16, groupMaxs);
    return groupMaxs;
  }

  @Benchmark
  public float[] divideRoundBf16Groups16() {
    kernels.divideRound(values, 0, n, 16, groupScales, groupZeros, DType.BF16, out, 0);
    return out;
  }

  @Benchmark
  public MemorySegment f32ToFp4E2m1Packed() {
    kernels.f32ToFp4E2m1Packed(values, 0, n, fp8, 0);
    return fp8;
  }

  @Benchmark
  public MemorySegment f32ToInt8() {
    kernels.f32ToInt8(values, 0, n, 8, fp8, 0);
    return fp8;
  }

  @Benchmark
  public MemorySegment f32ToPackedInt4() {
    kernels.f32ToPackedInt(values, 0, n, 4, fp8, 0);
    return fp8;
  }

  @Benchmark
  public float[] roundToFp8E4m3() {
    System.arraycopy(values, 0, out, 0, n);
    kernels.roundToFp8E4m3(out, 0, n, fp8, 0);
    return out;
  }

  @Benchmark
  public float dotBf16() {
    return kernels.dotBf16(bf16, 0, values, 0, n);
  }
}
