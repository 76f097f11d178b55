package vlmq.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Asymmetric zero points beside a {@link ScaleGrid}, read in place: int8 in the scale grid's shape, or (compressed-tensors
 * pack-quantized, group and channel strategies) b-bit values packed along the output rows, {@code I32 [ceil(rows·b/32),
 * units]}, each column of the {@code [rows, units]} matrix one little-endian bit stream holding {@code zp + 2^(b-1)}.
 *
 * @param packedBits 0 for int8 storage, else the packing width b
 */
public record ZeroPoints(MemorySegment data, int packedBits, int rows, int units, int blockRows) {
  private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  public ZeroPoints {
    long need = packedBits == 0 ? (long) Math.ceilDiv(rows, blockRows) * units
        : 4L * Math.ceilDiv((long) rows * packedBits, 32) * units;
    if (data.byteSize() != need) {
      throw new IllegalArgumentException("zero points of " + rows + " rows x " + units + " units need " + need
          + " bytes, the segment has " + data.byteSize());
    }
  }

  /** The signed zero points of weight row {@code row}, plus {@code offset}, into {@code dst[0, units)}. */
  public void row(int row, float[] dst, float offset) {
    if (packedBits == 0) {
      long first = (long) (row / blockRows) * units;
      for (int u = 0; u < units; u++) dst[u] = data.get(ValueLayout.JAVA_BYTE, first + u) + offset;
      return;
    }
    long bit = (long) row * packedBits;
    long word = bit >>> 5;
    int shift = (int) (bit & 31);
    long mask = (1L << packedBits) - 1;
    int half = 1 << (packedBits - 1);
    for (int u = 0; u < units; u++) {
      long low = Integer.toUnsignedLong(data.get(LE_INT, (word * units + u) * 4));
      long value = low >>> shift;
      if (shift + packedBits > 32) value |= Integer.toUnsignedLong(data.get(LE_INT, ((word + 1) * units + u) * 4)) << (32 - shift);
      dst[u] = (int) (value & mask) - half + offset;
    }
  }
}
