package vlmq.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import vlmq.numeric.Bf16;
import vlmq.numeric.DType;
import vlmq.numeric.E8m0;
import vlmq.numeric.F16;
import vlmq.numeric.Fp8E4m3;

/**
 * A quantized weight's scales, read in place: element {@code (o, i)} of the {@code [rows, cols]} weight uses the scale
 * of block {@code (o / blockRows, i / blockCols)}, stored row-major {@code [ceil(rows / blockRows), units]}. Every
 * compressed-tensors strategy is such a grid: tensor (one block), channel ({@code 1 × cols}), group
 * ({@code 1 × group_size}), block ({@code 128 × 128}). NVFP4's effective scale divides the stored FP8 value by the
 * tensor's global scale ({@code weight_scale / weight_global_scale}, in float32, as compressed-tensors dequantizes).
 *
 * @param dtype BF16, F16, F32, F8_E4M3 (NVFP4) or U8 (MX, an E8M0 exponent)
 * @param globalScale the divisor of every scale (1 unless NVFP4)
 */
public record ScaleGrid(MemorySegment data, DType dtype, int rows, int cols, int blockRows, int blockCols,
    float globalScale) {
  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  public ScaleGrid {
    if (blockRows < 1 || blockCols < 1) throw new IllegalArgumentException(blockRows + "x" + blockCols + " blocks");
    long need = (long) Math.ceilDiv(rows, blockRows) * Math.ceilDiv(cols, blockCols) * (dtype.bits() / 8);
    if (data.byteSize() != need) {
      throw new IllegalArgumentException("a " + Math.ceilDiv(rows, blockRows) + "x" + Math.ceilDiv(cols, blockCols)
          + " " + dtype + " scale grid needs " + need + " bytes, the segment has " + data.byteSize());
    }
  }

  /** Scales per weight row: {@code ceil(cols / blockCols)}. */
  public int units() {
    return Math.ceilDiv(cols, blockCols);
  }

  /** The effective scales of weight row {@code row} into {@code dst[0, units())}. */
  public void row(int row, float[] dst) {
    int units = units();
    long first = (long) (row / blockRows) * units;
    for (int u = 0; u < units; u++) dst[u] = get(first + u);
  }

  private float get(long index) {
    float stored = switch (dtype) {
      case BF16 -> Bf16.toFloat(data.get(LE_SHORT, 2 * index));
      case F16 -> F16.toFloat(data.get(LE_SHORT, 2 * index));
      case F32 -> data.get(LE_FLOAT, 4 * index);
      case F8_E4M3 -> Fp8E4m3.toFloat(data.get(ValueLayout.JAVA_BYTE, index));
      case U8 -> E8m0.toFloat(data.get(ValueLayout.JAVA_BYTE, index));
      default -> throw new IllegalStateException("scales of dtype " + dtype);
    };
    return globalScale == 1f ? stored : stored / globalScale;
  }
}
