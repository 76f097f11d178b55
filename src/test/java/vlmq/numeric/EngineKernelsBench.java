package vlmq.numeric;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
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
 * The engine's matmul kernels on one 4096-wide weight row (not run by surefire): the decode shape (one activation
 * row) and a four-row block, per storage format, plus the float32 block product prefill uses. Compare with
 * {@code dotBf16} of {@link KernelsBench} for the cost per weight byte.
 *
 * <pre>
 * mvn -B -q -ntp test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java --add-modules jdk.incubator.vector -cp target/test-classes:target/classes:$(cat target/cp.txt) \
 *     org.openjdk.jmh.Main EngineKernelsBench -f 1 -wi 3 -w 1 -i 5 -r 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EngineKernelsBench {
  @Param({"scalar", "panama"})
  public String impl;

  @Param({"1", "4"})
  public int rows;

  private static final int N = 4096;
  private Kernels kernels;
  private Arena arena;
  private MemorySegment bytes;
  private MemorySegment bf16;
  private float[] x;
  private float[] even;
  private float[] odd;
  private float[] scales128;
  private float[] scales16;
  private float[] zeros;
  private float[] panel;
  private float[] out;

  @Setup(Level.Trial)
  public void setUp() {
    kernels = impl.equals("scalar") ? Kernels.scalar() : Kernels.get();
    var random = new SplittableRandom(7);
    arena = Arena.ofShared();
    bytes = arena.allocate(N + 1).asSlice(1);
    bf16 = arena.allocate(2L * N);
    for (int i = 0; i < N; i++) {
      bytes.set(ValueLayout.JAVA_BYTE, i, (byte) (random.nextInt(256) & 0x77));
      bf16.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i,
          Bf16.fromFloat((float) random.nextGaussian()));
    }
    x = new float[4 * N];
    for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
    even = Arrays.copyOf(x, 2 * N);
    odd = Arrays.copyOfRange(x, 2 * N, 4 * N);
    scales128 = new float[N / 128];
    scales16 = new float[N / 16];
    zeros = new float[N / 16];
    Arrays.fill(scales128, 0.01f);
    Arrays.fill(scales16, 0.02f);
    Arrays.fill(zeros, 8f);
    panel = Arrays.copyOf(x, 4 * N);
    out = new float[64];
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    arena.close();
  }

  @Benchmark
  public float[] bf16Rows() {
    kernels.dotBf16Rows(bf16, 0, x, 0, N, rows, N, out, 0);
    return out;
  }

  @Benchmark
  public float[] fp8ChannelRows() {
    kernels.dotFp8E4m3Rows(bytes, 0, x, 0, N, rows, N, scales128, 0, N, out, 0);
    return out;
  }

  @Benchmark
  public float[] int8Rows() {
    kernels.dotInt8Rows(bytes, 0, false, x, 0, N, rows, N, scales128, zeros, 0, N, out, 0);
    return out;
  }

  /** W4A16: 8192 int4 weights in groups of 128. */
  @Benchmark
  public float[] uint4Group128Rows() {
    kernels.dotUint4Rows(bytes, 0, even, odd, 0, N / 2, rows, N, scales128, zeros, 0, 128, out, 0);
    return out;
  }

  /** NVFP4: 8192 FP4 weights in groups of 16. */
  @Benchmark
  public float[] fp4Group16Rows() {
    kernels.dotFp4E2m1Rows(bytes, 0, even, odd, 0, N / 2, rows, N, scales16, 0, 16, out, 0);
    return out;
  }

  @Benchmark
  public float[] f32Block4x4() {
    kernels.dotF32Block(x, 0, N, 4, panel, 0, N, 4, N, out, 0, 4);
    return out;
  }
}
