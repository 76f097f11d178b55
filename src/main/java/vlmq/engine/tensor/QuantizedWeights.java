package vlmq.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import vlmq.numeric.Fp4E2m1;
import vlmq.numeric.Fp8E4m3;
import vlmq.numeric.Kernels;

/**
 * A quantized weight matrix read in place from the checkpoint's memory mapping: the codes are multiplied out by the
 * {@link Kernels} dot kernels straight from the packed bytes, scale (and zero point) applied per group, never inflated
 * to float32. {@code w[o, i] = (q[o, i] − zp) · s} with the scale and zero point of the element's block, as
 * compressed-tensors dequantizes. Optionally the input rows are first put through vLLM's dynamic
 * {@link ActivationQuantizer} (W8A8 schemes).
 *
 * @param codes the stored codes, {@code rowBytes} per weight row
 * @param zeroPoints null for symmetric weights
 * @param activations null for weight-only schemes
 */
public record QuantizedWeights(MemorySegment codes, Codes format, int bits, int rows, int cols, ScaleGrid scales,
    ZeroPoints zeroPoints, ActivationQuantizer activations) implements LinearWeights {
  private static final Kernels KERNELS = Kernels.get();
  private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** How the codes are stored. */
  public enum Codes {
    /** One FP8 E4M3 code per element (compressed-tensors float/naive-quantized, MXFP8, ModelOpt FP8). */
    FP8_E4M3,
    /** One signed int8 per element (int-quantized W8A8, naive int8). */
    INT8,
    /** b-bit integers offset by 2^(b-1), packed into little-endian int32 words per row (pack-quantized). */
    PACKED_INT,
    /** FP4 E2M1, two per byte, even element in the low nibble (NVFP4, MXFP4). */
    FP4_E2M1
  }

  /** The kernel a layout runs on; {@code GENERIC} unpacks each row to float32 first (odd widths and groups). */
  private enum Path { FP8, INT8, UINT8, UINT4, FP4, GENERIC }

  public QuantizedWeights {
    if (scales.rows() != rows || scales.cols() != cols) {
      throw new IllegalArgumentException("scales for " + scales.rows() + "x" + scales.cols() + ", weight " + rows + "x"
          + cols);
    }
    if (bits < 1 || bits > 8 || (format != Codes.PACKED_INT && bits != (format == Codes.FP4_E2M1 ? 4 : 8))) {
      throw new IllegalArgumentException(format + " codes of " + bits + " bits");
    }
    if (format == Codes.FP4_E2M1 && cols % 2 != 0) throw new IllegalArgumentException("FP4 rows of odd length");
    long need = (long) rows * rowBytes(format, bits, cols);
    if (codes.byteSize() != need) {
      throw new IllegalArgumentException(rows + "x" + cols + " " + format + " codes need " + need + " bytes, the "
          + "segment has " + codes.byteSize());
    }
  }

  private static long rowBytes(Codes format, int bits, int cols) {
    return switch (format) {
      case FP8_E4M3, INT8 -> cols;
      case PACKED_INT -> 4 * Math.ceilDiv((long) cols * bits, 32);
      case FP4_E2M1 -> cols / 2;
    };
  }

  private long rowBytes() {
    return rowBytes(format, bits, cols);
  }

  private Path path() {
    boolean wholeBytes = scales.blockCols() % 2 == 0 || scales.blockCols() >= cols;
    return switch (format) {
      case FP8_E4M3 -> Path.FP8;
      case INT8 -> Path.INT8;
      case FP4_E2M1 -> wholeBytes ? Path.FP4 : Path.GENERIC;
      case PACKED_INT -> bits == 8 ? Path.UINT8 : bits == 4 && cols % 2 == 0 && wholeBytes ? Path.UINT4 : Path.GENERIC;
    };
  }

  /** The value the kernels subtract from a stored code: the zero point, plus the packing offset 2^(b-1). */
  private float codeOffset() {
    return format == Codes.PACKED_INT ? 1 << (bits - 1) : 0;
  }

  /** One line for reports, e.g. {@code fp8_e4m3 128x128 blocks (bf16 scales), fp8/group128 activations}. */
  public String describe() {
    String grid = scales.blockRows() >= rows && scales.blockCols() >= cols ? "tensor"
        : scales.blockRows() == 1 && scales.blockCols() >= cols ? "channel"
        : scales.blockRows() == 1 ? "group " + scales.blockCols()
        : scales.blockRows() + "x" + scales.blockCols() + " blocks";
    String codes = switch (format) {
      case FP8_E4M3 -> "fp8_e4m3";
      case INT8 -> "int8";
      case PACKED_INT -> "int" + bits + " packed";
      case FP4_E2M1 -> "fp4_e2m1";
    };
    return codes + (zeroPoints == null ? "" : " asym") + ", " + grid + " (" + scales.dtype().name().toLowerCase()
        + " scales" + (scales.globalScale() == 1f ? "" : " / global") + "), "
        + (activations == null ? "weight-only" : activations.describe() + " activations");
  }

  /**
   * Many rows go through {@link PanelMatmul} (weight rows dequantized by the SIMD kernels, then float32 blocks); a few
   * (decode) through the fused dot kernels, each weight row read once for all of them. Nibble formats see the
   * activations split into even and odd elements, matching the split the kernels decode the codes into.
   */
  @Override
  public void matmul(float[] x, int n, float[] out) {
    float[] input = x;
    if (activations != null) {
      input = new float[n * cols];
      activations.apply(x, n, cols, input);
    }
    Path path = path();
    boolean nibbles = path == Path.UINT4 || path == Path.FP4;
    int half = cols / 2;
    if (n >= PanelMatmul.MIN_ROWS) {
      float[] rowsIn = input;
      if (nibbles) { // each row as [even elements | odd elements]
        rowsIn = new float[n * cols];
        for (int r = 0; r < n; r++) {
          for (int k = 0; k < half; k++) {
            rowsIn[r * cols + k] = input[r * cols + 2 * k];
            rowsIn[r * cols + half + k] = input[r * cols + 2 * k + 1];
          }
        }
      }
      PanelMatmul.run(rows, cols, rowsIn, n, out, () -> {
        float[] rowScales = new float[scales.units()];
        float[] zeros = zeros();
        return (first, count, panel) -> {
          for (int r = 0; r < count; r++) decodeRow(path, first + r, rowScales, zeros, panel, r * cols);
        };
      });
      return;
    }
    float[] even = nibbles ? new float[n * half] : null;
    float[] odd = nibbles ? new float[n * half] : null;
    if (nibbles) {
      for (int r = 0; r < n; r++) {
        for (int k = 0; k < half; k++) {
          even[r * half + k] = input[r * cols + 2 * k];
          odd[r * half + k] = input[r * cols + 2 * k + 1];
        }
      }
    }
    float[] activationRows = input;
    long rowBytes = rowBytes();
    int group = Math.min(scales.blockCols(), cols);
    Parallel.forRange(rows, (long) cols * n, (chunk, from, to) -> {
      float[] rowScales = new float[scales.units()];
      float[] zeros = zeros();
      float[] dots = new float[n];
      float[] dequantized = path == Path.GENERIC ? new float[cols] : null;
      for (int o = from; o < to; o++) {
        long at = o * rowBytes;
        scales.row(o, rowScales);
        if (zeroPoints != null) zeroPoints.row(o, zeros, codeOffset());
        switch (path) {
          case FP8 -> KERNELS.dotFp8E4m3Rows(codes, at, activationRows, 0, cols, n, cols, rowScales, 0, group, dots, 0);
          case INT8, UINT8 -> KERNELS.dotInt8Rows(codes, at, path == Path.UINT8, activationRows, 0, cols, n, cols,
              rowScales, zeros, 0, group, dots, 0);
          case UINT4 -> KERNELS.dotUint4Rows(codes, at, even, odd, 0, half, n, half, rowScales, zeros, 0, group, dots,
              0);
          case FP4 -> KERNELS.dotFp4E2m1Rows(codes, at, even, odd, 0, half, n, half, rowScales, 0, group, dots, 0);
          case GENERIC -> {
            dequantize(o, rowScales, zeros, dequantized, 0);
            for (int r = 0; r < n; r++) dots[r] = KERNELS.dot(dequantized, 0, activationRows, r * cols, cols);
          }
        }
        for (int r = 0; r < n; r++) out[r * rows + o] = dots[r];
      }
    });
  }

  /** Zero points for a thread: filled with the packing offset, overwritten per row when the weight has its own. */
  private float[] zeros() {
    float[] zeros = new float[scales.units()];
    Arrays.fill(zeros, codeOffset());
    return zeros;
  }

  /** Weight row {@code o} as float32 into {@code dst[off, off + cols)}, nibble formats split [even | odd]. */
  private void decodeRow(Path path, int o, float[] rowScales, float[] zeros, float[] dst, int off) {
    long at = o * rowBytes();
    int group = Math.min(scales.blockCols(), cols);
    int half = cols / 2;
    scales.row(o, rowScales);
    if (zeroPoints != null) zeroPoints.row(o, zeros, codeOffset());
    switch (path) {
      case FP8 -> KERNELS.dequantizeFp8E4m3(codes, at, rowScales, 0, group, dst, off, cols);
      case INT8, UINT8 -> KERNELS.dequantizeInt8(codes, at, path == Path.UINT8, rowScales, zeros, 0, group, dst, off,
          cols);
      case UINT4 -> KERNELS.dequantizeUint4(codes, at, rowScales, zeros, 0, group, dst, off, dst, off + half, half);
      case FP4 -> KERNELS.dequantizeFp4E2m1(codes, at, rowScales, 0, group, dst, off, dst, off + half, half);
      case GENERIC -> dequantize(o, rowScales, zeros, dst, off);
    }
  }

  @Override
  public void readRow(int row, float[] dst, int off) {
    float[] rowScales = new float[scales.units()];
    float[] zeros = new float[scales.units()];
    scales.row(row, rowScales);
    if (zeroPoints == null) Arrays.fill(zeros, codeOffset());
    else zeroPoints.row(row, zeros, codeOffset());
    dequantize(row, rowScales, zeros, dst, off);
  }

  /**
   * Row {@code row} as float32 into {@code dst[off, off + cols)}: {@code (code − zeros[u]) · scales[u]}, u the
   * element's block; the scalar form of compressed-tensors' dequantization, element by element.
   */
  private void dequantize(int row, float[] rowScales, float[] zeros, float[] dst, int off) {
    long at = row * rowBytes();
    int group = scales.blockCols();
    for (int i = 0; i < cols; i++) {
      int u = i / group;
      dst[off + i] = switch (format) {
        case FP8_E4M3 -> Fp8E4m3.toFloat(codes.get(ValueLayout.JAVA_BYTE, at + i)) * rowScales[u];
        case INT8 -> (codes.get(ValueLayout.JAVA_BYTE, at + i) - zeros[u]) * rowScales[u];
        case FP4_E2M1 -> {
          byte b = codes.get(ValueLayout.JAVA_BYTE, at + i / 2);
          yield Fp4E2m1.toFloat(i % 2 == 0 ? Fp4E2m1.evenCode(b) : Fp4E2m1.oddCode(b)) * rowScales[u];
        }
        case PACKED_INT -> (packedCode(at, i) - zeros[u]) * rowScales[u];
      };
    }
  }

  /** The unsigned b-bit code of element i of the row whose words start at byte {@code at}. */
  private int packedCode(long at, int i) {
    long bit = (long) i * bits;
    long word = at + (bit >>> 5) * 4;
    int shift = (int) (bit & 31);
    long value = Integer.toUnsignedLong(codes.get(LE_INT, word)) >>> shift;
    if (shift + bits > 32) value |= Integer.toUnsignedLong(codes.get(LE_INT, word + 4)) << (32 - shift);
    return (int) (value & ((1L << bits) - 1));
  }
}
