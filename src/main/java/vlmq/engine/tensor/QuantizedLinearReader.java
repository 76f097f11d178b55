package vlmq.engine.tensor;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;
import vlmq.VlmqException;
import vlmq.io.safetensors.Checkpoint;
import vlmq.numeric.DType;

/**
 * Recognises a quantized Linear by the tensors stored for it and checks them against the shape the config implies:
 * <pre>
 *   weight F8_E4M3 + weight_scale BF16/F16/F32        FP8 (compressed-tensors float/naive-quantized, ModelOpt FP8)
 *   weight F8_E4M3 + weight_scale U8 [O, I/32]        MXFP8 (E8M0 scales)
 *   weight I8 + weight_scale [+ weight_zero_point I8] INT8 (int-quantized W8A8, naive int8)
 *   weight_packed I32 + weight_scale + weight_shape   pack-quantized b-bit integers [+ weight_zero_point]
 *   weight_packed U8 + weight_scale F8_E4M3 + weight_global_scale F32   NVFP4
 *   weight_packed U8 + weight_scale U8                MXFP4
 * </pre>
 * The scale tensor's shape gives the grid: one value is per-tensor, {@code [O, 1]} or {@code [O]} per-channel,
 * {@code [O, G]} groups of {@code I/G}, {@code [ceil(O/bh), ceil(I/bw)]} blocks (bh × bw from the config's
 * {@code block_structure}, else 128 × 128).
 */
final class QuantizedLinearReader {
  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final int DEFAULT_BLOCK = 128;

  private QuantizedLinearReader() {}

  /**
   * The weights of {@code module} (runtime name, no trailing dot) as {@code [rows, cols]}.
   *
   * @param tensors looks up a stored tensor by runtime name
   */
  static QuantizedWeights read(Function<String, Optional<Checkpoint.Tensor>> tensors, String module, int rows,
      int cols, ServedQuantization.Module scheme) {
    Optional<Checkpoint.Tensor> weight = tensors.apply(module + ".weight");
    Optional<Checkpoint.Tensor> packed = tensors.apply(module + ".weight_packed");
    Checkpoint.Tensor scale = tensors.apply(module + ".weight_scale").orElseThrow(() -> new VlmqException(
        "the checkpoint stores " + module + " quantized but has no " + module + ".weight_scale"));
    Optional<Checkpoint.Tensor> zeroPoint = tensors.apply(module + ".weight_zero_point");
    if (tensors.apply(module + ".weight_g_idx").isPresent()) {
      throw new VlmqException(module + " has weight_g_idx (GPTQ activation ordering, actorder group), which the"
          + " engine does not run; quantize without actorder or with actorder static");
    }
    Checkpoint.Tensor codes = packed.or(() -> weight).orElseThrow(() -> new VlmqException(
        "the checkpoint has " + scale.name() + " but neither " + module + ".weight nor .weight_packed"));
    try {
      if (packed.isPresent() && codes.dtype() == DType.U8) return fp4(codes, scale, tensors, module, rows, cols);
      if (packed.isPresent()) return packedInt(codes, scale, zeroPoint, tensors, module, rows, cols, scheme);
      return switch (codes.dtype()) {
        case F8_E4M3 -> {
          check(codes, rows, cols);
          ScaleGrid grid = grid(scale, rows, cols, scheme, scale.dtype() == DType.U8 ? 32 : null, 1f);
          yield new QuantizedWeights(codes.data(), QuantizedWeights.Codes.FP8_E4M3, 8, rows, cols, grid, null,
              scheme.activations());
        }
        case I8 -> {
          check(codes, rows, cols);
          ScaleGrid grid = grid(scale, rows, cols, scheme, null, 1f);
          ZeroPoints zp = zeroPoint.map(z -> plainZeroPoints(z, grid)).orElse(null);
          yield new QuantizedWeights(codes.data(), QuantizedWeights.Codes.INT8, 8, rows, cols, grid, zp,
              scheme.activations());
        }
        default -> throw new VlmqException(codes.name() + " in " + codes.file().path() + " is " + codes.dtype()
            + " beside " + scale.name() + "; quantized weights are F8_E4M3 or I8 (or weight_packed I32/U8)");
      };
    } catch (IllegalArgumentException e) {
      throw new VlmqException(module + " in " + codes.file().path() + ": " + e.getMessage(), e);
    }
  }

  private static QuantizedWeights fp4(Checkpoint.Tensor codes, Checkpoint.Tensor scale,
      Function<String, Optional<Checkpoint.Tensor>> tensors, String module, int rows, int cols) {
    if (cols % 2 != 0 || !Arrays.equals(codes.shape(), new long[] {rows, cols / 2})) {
      throw mismatch(codes, "[" + rows + ", " + cols / 2 + "] (two FP4 codes per byte)");
    }
    float global = 1f;
    if (scale.dtype() == DType.F8_E4M3) { // NVFP4; MXFP4 stores U8 exponents and no global scale
      Checkpoint.Tensor g = tensors.apply(module + ".weight_global_scale").orElseThrow(() -> new VlmqException(
          scale.name() + " is F8_E4M3 (NVFP4) but the checkpoint has no " + module + ".weight_global_scale"));
      if (g.dtype() != DType.F32 || g.byteSize() != 4) throw mismatch(g, "one F32 value");
      global = g.data().get(LE_FLOAT, 0);
    } else if (scale.dtype() != DType.U8) {
      throw new VlmqException(scale.name() + " is " + scale.dtype() + "; FP4 weights take F8_E4M3 (NVFP4) or U8"
          + " (MXFP4) scales");
    }
    ScaleGrid grid = grid(scale, rows, cols, ServedQuantization.Module.UNKNOWN, null, global);
    return new QuantizedWeights(codes.data(), QuantizedWeights.Codes.FP4_E2M1, 4, rows, cols, grid, null, null);
  }

  private static QuantizedWeights packedInt(Checkpoint.Tensor codes, Checkpoint.Tensor scale,
      Optional<Checkpoint.Tensor> zeroPoint, Function<String, Optional<Checkpoint.Tensor>> tensors, String module,
      int rows, int cols, ServedQuantization.Module scheme) {
    if (codes.dtype() != DType.I32 || codes.shape().length != 2 || codes.shape()[0] != rows) {
      throw mismatch(codes, "I32 [" + rows + ", words]");
    }
    tensors.apply(module + ".weight_shape").ifPresent(s -> {
      var le = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
      if (s.dtype() != DType.I64 || s.byteSize() != 16 || s.data().get(le, 0) != rows || s.data().get(le, 8) != cols) {
        throw mismatch(s, "I64 [" + rows + ", " + cols + "]");
      }
    });
    long words = codes.shape()[1];
    int bits = scheme.weightBits() != null ? scheme.weightBits() : bitsFor(codes, words, cols);
    if (bits < 1 || bits > 8 || Math.ceilDiv((long) cols * bits, 32) != words) {
      throw mismatch(codes, "[" + rows + ", ceil(" + cols + "·" + bits + "/32)] for " + bits + "-bit codes");
    }
    ScaleGrid grid = grid(scale, rows, cols, scheme, null, 1f);
    ZeroPoints zp = zeroPoint.map(z -> z.dtype() == DType.I32
        ? new ZeroPoints(z.data(), bits, rows, grid.units(), grid.blockRows())
        : plainZeroPoints(z, grid)).orElse(null);
    return new QuantizedWeights(codes.data(), QuantizedWeights.Codes.PACKED_INT, bits, rows, cols, grid, zp,
        scheme.activations());
  }

  /** The one width b with ceil(cols·b/32) words; without a config it must be unambiguous. */
  private static int bitsFor(Checkpoint.Tensor codes, long words, int cols) {
    int found = 0;
    for (int b = 1; b <= 8; b++) {
      if (Math.ceilDiv((long) cols * b, 32) == words) {
        if (found != 0) {
          throw new VlmqException(codes.name() + ": " + words + " words per row fit " + found + "- and " + b
              + "-bit codes; config.json's quantization_config must give num_bits");
        }
        found = b;
      }
    }
    if (found == 0) throw mismatch(codes, "ceil(" + cols + "·bits/32) words per row");
    return found;
  }

  private static ZeroPoints plainZeroPoints(Checkpoint.Tensor z, ScaleGrid grid) {
    if (z.dtype() != DType.I8) throw mismatch(z, "I8 (or I32 packed along the rows)");
    return new ZeroPoints(z.data(), 0, grid.rows(), grid.units(), grid.blockRows());
  }

  /** The scale grid the shape of {@code scale} describes; {@code group} forces the group size (MX: 32). */
  private static ScaleGrid grid(Checkpoint.Tensor scale, int rows, int cols, ServedQuantization.Module scheme,
      Integer group, float globalScale) {
    DType dtype = scale.dtype();
    if (dtype != DType.BF16 && dtype != DType.F16 && dtype != DType.F32 && dtype != DType.F8_E4M3
        && dtype != DType.U8) {
      throw mismatch(scale, "BF16, F16 or F32 scales (F8_E4M3 for NVFP4, U8 exponents for MX)");
    }
    long[] s = scale.shape();
    long count = Arrays.stream(s).reduce(1, Math::multiplyExact);
    if (group == null && count == 1) return new ScaleGrid(scale.data(), dtype, rows, cols, rows, cols, globalScale);
    long a = s.length == 0 ? 1 : s[0];
    long b = s.length == 2 ? s[1] : 1;
    if (s.length > 2 || (s.length == 1 && a != rows)) throw mismatch(scale, "[1], [" + rows + "] or 2-D");
    if (a == rows) {
      int groupSize = group != null ? group : b == 1 ? cols : (int) Math.ceilDiv(cols, b);
      if (Math.ceilDiv(cols, groupSize) != b) {
        throw mismatch(scale, "[" + rows + ", " + Math.ceilDiv(cols, groupSize) + "] (groups of " + groupSize + ")");
      }
      return new ScaleGrid(scale.data(), dtype, rows, cols, 1, groupSize, globalScale);
    }
    int[] block = scheme.blockStructure() != null ? scheme.blockStructure() : new int[] {DEFAULT_BLOCK, DEFAULT_BLOCK};
    if (Math.ceilDiv(rows, block[0]) != a || Math.ceilDiv(cols, block[1]) != b) {
      throw mismatch(scale, "[" + Math.ceilDiv(rows, block[0]) + ", " + Math.ceilDiv(cols, block[1]) + "] ("
          + block[0] + "x" + block[1] + " blocks)");
    }
    return new ScaleGrid(scale.data(), dtype, rows, cols, block[0], block[1], globalScale);
  }

  private static void check(Checkpoint.Tensor codes, int rows, int cols) {
    if (!Arrays.equals(codes.shape(), new long[] {rows, cols})) throw mismatch(codes, "[" + rows + ", " + cols + "]");
  }

  private static VlmqException mismatch(Checkpoint.Tensor t, String expected) {
    return new VlmqException(t.name() + " in " + t.file().path() + " is " + t.dtype() + " "
        + Arrays.toString(t.shape()) + " but the layer needs " + expected);
  }
}
