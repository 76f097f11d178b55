package vlmq.engine.tensor;

import java.util.Arrays;

/**
 * A row-major {@code [rows, cols]} view of the first {@code rows·cols} values of {@code data}: how activations are
 * handed to observers and tests without copying. The array may be a reused buffer, so copy what you keep.
 */
public record Matrix(float[] data, int rows, int cols) {
  public Matrix {
    if (rows < 0 || cols < 0 || (long) rows * cols > data.length) {
      throw new IllegalArgumentException(rows + "x" + cols + " does not fit in " + data.length + " values");
    }
  }

  /** A copy of the viewed values, exactly {@code rows·cols} long. */
  public float[] toArray() {
    return Arrays.copyOf(data, rows * cols);
  }

  public float get(int row, int col) {
    return data[row * cols + col];
  }
}
