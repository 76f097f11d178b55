package vlmq.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import vlmq.format.compressedtensors.IntPacking;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.numeric.Kernels;
import vlmq.recipe.CompressionFormat;
import vlmq.recipe.Strategy;

/**
 * b-bit integer weights (W8A8, W8A16, W4A16, W4A16_ASYM, …), q in [qmin, qmax] = [-2^(b-1), 2^(b-1)-1], with
 * compressed-tensors' arithmetic in the model dtype m:
 * <pre>
 *   symmetric    s  = m(amax / ((2^b - 1) / 2))              divisor 127.5 (int8) / 7.5 (int4), not 127 / 7
 *                zp = 0
 *   asymmetric   mn = min(unit, 0),  mx = max(unit, 0)
 *                s  = m(m(mx - mn) / (2^b - 1))
 *                zp = rint(clamp(m(qmin - m(mn / s)), qmin, qmax))   (s before the eps fix; NaN → 0, as torch casts)
 *   both         s == 0 → eps(m)
 *                q  = rint(clamp(m(m(x / s) + zp), qmin, qmax))      (clamp, round: +127.5 → 127, -127.5 → -128)
 * </pre>
 * {@code pack-quantized} stores q + 2^(b-1) as {@link IntPacking} words per row, {@code weight_shape}, and an
 * asymmetric group/channel zero point packed along the rows; the other formats store q as int8. A row is
 * {@link Kernels#divideRound} with the zero points (+0 when symmetric, which changes no q), then
 * {@link Kernels#f32ToPackedInt} or {@link Kernels#f32ToInt8}.
 */
final class IntQuantizer extends GridQuantizer {
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final int bits;
  private final float qmin;
  private final float qmax;
  private final boolean symmetric;
  private final boolean packed;
  /** Asymmetric group/channel zero points of pack-quantized are packed along dim 0. */
  private final boolean zpPackedAlongRows;

  IntQuantizer(LinearLayout layout, Kernels kernels) {
    super(layout, kernels);
    bits = layout.weights().numBits();
    qmin = -(1 << (bits - 1));
    qmax = (1 << (bits - 1)) - 1;
    symmetric = layout.weights().symmetric();
    packed = layout.format() == CompressionFormat.PACK_QUANTIZED;
    zpPackedAlongRows = packed && !symmetric && (strategy == Strategy.GROUP || strategy == Strategy.CHANNEL);
  }

  @Override
  public int rowAlignment() {
    return zpPackedAlongRows ? IntPacking.lineAlignment(bits) : super.rowAlignment();
  }

  /** Sets {@code scale[u]} and {@code zp[u]} (an integer) from the unit's min/max. */
  private void qparams(float min, float max, float[] scale, float[] zp, int u) {
    float s;
    int z = 0;
    if (symmetric) {
      s = model.round(absMax(min, max) / ((qmax - qmin) / 2f));
    } else {
      float mn = Math.min(min, 0f), mx = Math.max(max, 0f);
      s = model.round(model.round(mx - mn) / (qmax - qmin));
      z = (int) Math.rint(clamp(model.round(qmin - model.round(mn / s)), qmin, qmax));
    }
    scale[u] = s == 0f ? model.eps() : s;
    zp[u] = z;
  }

  @Override
  Encoder encoder(TensorStats stats, Map<LinearParam, MemorySegment> out, long windowRows) {
    MemorySegment codesOut = out.get(packed ? LinearParam.WEIGHT_PACKED : LinearParam.WEIGHT);
    MemorySegment scaleOut = out.get(LinearParam.WEIGHT_SCALE);
    MemorySegment zpOut = out.get(LinearParam.WEIGHT_ZERO_POINT);
    float[] scale = new float[units];
    float[] zp = new float[units];
    long wordsPerRow = IntPacking.words(cols, bits);
    int lines = IntPacking.lineAlignment(bits);
    int[][] zpColumns = zpPackedAlongRows ? new int[units][lines] : null;
    int[] zpWords = zpPackedAlongRows ? new int[bits] : null;
    if (strategy == Strategy.TENSOR) qparams(stats.min(), stats.max(), scale, zp, 0);
    return new Encoder() {
      @Override
      public void tensorWide() {
        if (strategy == Strategy.TENSOR) {
          model.write(scaleOut, 0, scale[0]);
          if (!symmetric) zpOut.set(ValueLayout.JAVA_BYTE, 0, (byte) (int) zp[0]);
        }
        if (packed) {
          MemorySegment shape = out.get(LinearParam.WEIGHT_SHAPE);
          shape.set(LONG, 0, rows);
          shape.set(LONG, 8, cols);
        }
      }

      @Override
      public void scales(float[] min, float[] max, long scaleRow) {
        for (int u = 0; u < units; u++) {
          qparams(min[u], max[u], scale, zp, u);
          model.write(scaleOut, scaleRow * units + u, scale[u]);
          if (!symmetric && !zpPackedAlongRows)
            zpOut.set(ValueLayout.JAVA_BYTE, scaleRow * units + u, (byte) (int) zp[u]);
        }
      }

      @Override
      public void row(float[] x, long r) {
        kernels.divideRound(x, 0, cols, unitCols, scale, zp, model.dtype(), x, 0);
        if (packed) kernels.f32ToPackedInt(x, 0, cols, bits, codesOut, r * wordsPerRow * 4);
        else kernels.f32ToInt8(x, 0, cols, bits, codesOut, r * cols);
        if (zpPackedAlongRows) packZeroPoints(r);
      }

      /**
       * Collects row r's zero points; at the end of each run of {@code lines} rows (the window starts on one),
       * writes their packed words.
       */
      private void packZeroPoints(long r) {
        int line = (int) (r % lines);
        for (int u = 0; u < units; u++) zpColumns[u][line] = (int) zp[u];
        if (line != lines - 1 && r != windowRows - 1) return;
        long firstRow = r - line;
        long firstWord = firstRow * bits / 32;
        int n = (int) IntPacking.words(line + 1, bits);
        for (int u = 0; u < units; u++) {
          IntPacking.pack(zpColumns[u], line + 1, bits, zpWords);
          for (int w = 0; w < n; w++) zpOut.set(INT, ((firstWord + w) * units + u) * 4L, zpWords[w]);
        }
      }
    };
  }
}
