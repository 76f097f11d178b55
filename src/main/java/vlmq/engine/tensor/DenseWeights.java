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
  private static final int ROW_TILE = 16;
  private static final int OUT_TILE = 64;

  public DenseWeights {
    if (dtype != DType.BF16 && dtype != DType.F16 && dtype != DType.F32) {
      throw new IllegalArgumentException("dense weights are BF16, F16 or F32, not " + dtype);
    }
    if (data.byteSize() != (long) rows * cols * (dtype.bits() / 8)) {
      throw new IllegalArgumentException(rows + "x" + cols + " " + dtype + " needs "
          + (long) rows * cols * (dtype.bits() / 8) + " bytes, the segment has " + data.byteSize());
    }
  }

  @Override
  public void matmul(float[] x, int n, float[] out) {
    long rowBytes = (long) cols * (dtype.bits() / 8);
    Parallel.forRange(rows, (long) cols * n, (chunk, from, to) -> {
      // Tiles of activation rows × weight rows small enough to stay in cache while each meets the other.
      for (int r0 = 0; r0 < n; r0 += ROW_TILE) {
        int r1 = Math.min(n, r0 + ROW_TILE);
        for (int o0 = from; o0 < to; o0 += OUT_TILE) {
          int o1 = Math.min(to, o0 + OUT_TILE);
          for (int o = o0; o < o1; o++) {
            long offset = o * rowBytes;
            for (int r = r0; r < r1; r++) out[r * rows + o] = dot(offset, x, r * cols);
          }
        }
      }
    });
  }

  private float dot(long byteOffset, float[] x, int xOff) {
    return switch (dtype) {
      case BF16 -> KERNELS.dotBf16(data, byteOffset, x, xOff, cols);
      case F16 -> KERNELS.dotF16(data, byteOffset, x, xOff, cols);
      default -> KERNELS.dotF32(data, byteOffset, x, xOff, cols);
    };
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
