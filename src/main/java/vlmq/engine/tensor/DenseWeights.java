package vlmq.engine.tensor;

import java.lang.foreign.MemorySegment;
import vlmq.numeric.DType;
import vlmq.numeric.Kernels;

/**
 * An unquantized weight matrix read in place from the checkpoint's memory mapping (bf16, f16 or f32, row-major,
 * little-endian): nothing is inflated to float32, so a model needs no more heap than its activations.
 */
public record DenseWeights(MemorySegment data, DType dtype, int rows, int cols) implements LinearWeights {
  private static final Kernels KERNELS = Kernels.get();

  public DenseWeights {
    if (dtype != DType.BF16 && dtype != DType.F16 && dtype != DType.F32) {
      throw new IllegalArgumentException("dense weights are BF16, F16 or F32, not " + dtype);
    }
    if (data.byteSize() != (long) rows * cols * (dtype.bits() / 8)) {
      throw new IllegalArgumentException(rows + "x" + cols + " " + dtype + " needs "
          + (long) rows * cols * (dtype.bits() / 8) + " bytes, the segment has " + data.byteSize());
    }
  }

  /**
   * Many rows go through {@link PanelMatmul}; a few (decode) read each weight row once for all of them: bf16 with
   * {@link Kernels#dotBf16Rows}, f16/f32 one dot product per row pair.
   */
  @Override
  public void matmul(float[] x, int n, float[] out) {
    if (n >= PanelMatmul.MIN_ROWS) {
      PanelMatmul.run(rows, cols, x, n, out, () -> (first, count, panel) -> {
        for (int r = 0; r < count; r++) readRow(first + r, panel, r * cols);
      });
      return;
    }
    long rowBytes = (long) cols * (dtype.bits() / 8);
    Parallel.forRange(rows, (long) cols * n, (chunk, from, to) -> {
      float[] dots = new float[n];
      for (int o = from; o < to; o++) {
        long offset = o * rowBytes;
        if (dtype == DType.BF16) {
          KERNELS.dotBf16Rows(data, offset, x, 0, cols, n, cols, dots, 0);
        } else {
          for (int r = 0; r < n; r++) dots[r] = dot(offset, x, r * cols);
        }
        for (int r = 0; r < n; r++) out[r * rows + o] = dots[r];
      }
    });
  }

  private float dot(long byteOffset, float[] x, int xOff) {
    return dtype == DType.F16 ? KERNELS.dotF16(data, byteOffset, x, xOff, cols)
        : KERNELS.dotF32(data, byteOffset, x, xOff, cols);
  }

  @Override
  public void readRow(int row, float[] dst, int off) {
    long offset = (long) row * cols * (dtype.bits() / 8);
    switch (dtype) {
      case BF16 -> KERNELS.bf16ToF32(data, offset, dst, off, cols);
      case F16 -> KERNELS.f16ToF32(data, offset, dst, off, cols);
      default -> KERNELS.f32ToF32(data, offset, dst, off, cols);
    }
  }
}
