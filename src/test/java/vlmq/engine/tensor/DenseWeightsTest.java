package vlmq.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import vlmq.numeric.Bf16;
import vlmq.numeric.DType;
import vlmq.numeric.F16;

/**
 * Dense weights read in place agree with a double-precision {@code x @ W.T} of the stored values, for every dtype,
 * for shapes that cross the cache tiles and the parallel threshold, and from an unaligned segment offset.
 */
class DenseWeightsTest {
  private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  @ParameterizedTest(name = "{0} {1}x{2} n={3}")
  @CsvSource({"BF16, 3, 5, 1", "F16, 3, 5, 1", "F32, 3, 5, 1", "BF16, 130, 67, 37", "F16, 130, 67, 37",
      "F32, 130, 67, 37", "BF16, 300, 257, 2"})
  void matmulAndRowsMatchTheStoredValues(DType dtype, int rows, int cols, int n) {
    var random = new SplittableRandom(rows * 31L + cols);
    float[][] stored = new float[rows][cols];
    int bytes = dtype.bits() / 8;
    try (Arena arena = Arena.ofShared()) { // matmul reads it from the pool's threads
      MemorySegment backing = arena.allocate((long) rows * cols * bytes + 3);
      MemorySegment data = backing.asSlice(3, (long) rows * cols * bytes);
      for (int o = 0; o < rows; o++) {
        for (int i = 0; i < cols; i++) {
          float v = (float) random.nextGaussian();
          long at = ((long) o * cols + i) * bytes;
          switch (dtype) {
            case BF16 -> data.set(LE_SHORT, at, Bf16.fromFloat(v));
            case F16 -> data.set(LE_SHORT, at, F16.fromFloat(v));
            default -> data.set(LE_FLOAT, at, v);
          }
          stored[o][i] = switch (dtype) {
            case BF16 -> Bf16.round(v);
            case F16 -> F16.toFloat(F16.fromFloat(v));
            default -> v;
          };
        }
      }
      var weights = new DenseWeights(data, dtype, rows, cols);
      float[] x = new float[n * cols];
      for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
      float[] out = new float[n * rows];
      weights.matmul(x, n, out);
      for (int r = 0; r < n; r++) {
        for (int o = 0; o < rows; o++) {
          double exact = 0;
          double magnitude = 0;
          for (int i = 0; i < cols; i++) {
            exact += (double) stored[o][i] * x[r * cols + i];
            magnitude += Math.abs((double) stored[o][i] * x[r * cols + i]);
          }
          assertThat((double) out[r * rows + o]).as("row %d out %d", r, o).isCloseTo(exact,
              within(1e-6 * cols * magnitude));
        }
      }
      float[] row = new float[cols + 2];
      weights.readRow(rows - 1, row, 2);
      for (int i = 0; i < cols; i++) assertThat(row[2 + i]).isEqualTo(stored[rows - 1][i]);
    }
  }

  @ParameterizedTest
  @CsvSource({"I8, 1", "BF16, 3"})
  void refusesOtherDtypesAndWrongSizes(DType dtype, int extraBytes) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment data = arena.allocate(2L * 4 * 4 + extraBytes);
      assertThatThrownBy(() -> new DenseWeights(data, dtype, 4, 4)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
