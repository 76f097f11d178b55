package vlmq.transform;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import vlmq.VlmqException;
import vlmq.format.modelopt.FloatElements;
import vlmq.io.safetensors.Checkpoint.Tensor;
import vlmq.numeric.DType;
import vlmq.numeric.E8m0;
import vlmq.numeric.Fp4E2m1;
import vlmq.numeric.Fp8E4m3;

/**
 * A quantized Linear as a checkpoint stores it, compressed-tensors or ModelOpt, read back to real values one row
 * at a time: {@code x = (code − zero_point) × scale}, computed in f32 (for NVFP4 the scale is the block scale times
 * the f32 reciprocal of compressed-tensors' global scale, or times ModelOpt's {@code weight_scale_2}). Which
 * elements share a scale follows from the scale tensor's shape:
 * <pre>
 *   weight F8_E4M3 [O, I]                     weight_scale: 1 value (tensor), O values (channel), [O, I/g] (groups),
 *                                             [⌈O/128⌉, ⌈I/128⌉] or ModelOpt's [O/128, 1, I/128, 1] (blocks),
 *                                             U8 [O, I/32] (MXFP8, E8M0)
 *   weight I8 [O, I]                          weight_scale as above, optional weight_zero_point I8
 *   weight_packed I32 [O, ⌈I·b/32⌉]           b-bit integers packed as {@code IntPacking}; weight_shape; scale and
 *                                             optional zero point (packed along dim 0 for channel/group)
 *   weight_packed U8 [O, I/2]                 FP4 E2M1 pairs: NVFP4 (weight_scale F8 [O, I/16], weight_global_scale)
 *                                             or MXFP4 (weight_scale U8 [O, I/32])
 *   weight U8 [O, I/2] + weight_scale_2       ModelOpt NVFP4 (weight_scale F8 [O, I/16])
 * </pre>
 */
final class StoredLinear {
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final long BLOCK = 128;

  /** How the codes are stored. */
  enum Codes { FP8, INT8, PACKED_INT, FP4 }

  private final String label;
  private final Codes codes;
  private final Tensor codeTensor;
  private final int bits;
  private final long rows;
  private final long cols;
  private final Grid scale;
  private final Grid zeroPoint;
  /** Multiplies every scale: 1/weight_global_scale (compressed-tensors NVFP4), weight_scale_2 (ModelOpt), else 1. */
  private final float scaleFactor;

  private StoredLinear(String label, Codes codes, Tensor codeTensor, int bits, long rows, long cols,
      Grid scale, Grid zeroPoint, float scaleFactor) {
    this.label = label;
    this.codes = codes;
    this.codeTensor = codeTensor;
    this.bits = bits;
    this.rows = rows;
    this.cols = cols;
    this.scale = scale;
    this.zeroPoint = zeroPoint;
    this.scaleFactor = scaleFactor;
  }

  /**
   * The quantized Linear {@code module} stores as {@code params} (parameter name → tensor); empty when its weight is
   * a plain BF16/F16/F32 one.
   *
   * @throws VlmqException for quantized layouts this reader does not know (GPTQ/AWQ {@code qweight}, …)
   */
  static Optional<StoredLinear> of(String module, Map<String, Tensor> params) {
    var weight = params.get("weight");
    var packed = params.get("weight_packed");
    var scaleTensor = params.get("weight_scale");
    if (params.containsKey("qweight")) {
      throw new VlmqException(module + " is GPTQ/AWQ-packed (qweight); vlmq reads compressed-tensors and ModelOpt"
          + " layouts only: re-quantize from the original model");
    }
    if (packed == null && (weight == null || weight.dtype().isFloatingPoint() && weight.dtype().bits() >= 16)) {
      return Optional.empty();
    }
    if (scaleTensor == null) {
      throw new VlmqException(module + " stores " + (packed != null ? packed : weight).dtype() + " codes without a"
          + " weight_scale: its real values cannot be recovered; re-quantize from the original model");
    }
    var zp = params.get("weight_zero_point");
    if (packed != null && packed.dtype() == DType.U8 || weight != null && weight.dtype() == DType.U8) {
      var c = packed != null ? packed : weight;
      long o = c.shape()[0];
      long i = c.shape()[1] * 2;
      var global = params.get("weight_global_scale");
      var second = params.get("weight_scale_2");
      if (scaleTensor.dtype() == DType.U8) {
        return Optional.of(new StoredLinear("MXFP4", Codes.FP4, c, 4, o, i, grid(scaleTensor, o, i),
            null, 1f));
      }
      float factor = global != null ? 1f / FloatElements.get(global.data(), global.dtype(), 0)
          : second != null ? FloatElements.get(second.data(), second.dtype(), 0) : Float.NaN;
      if (Float.isNaN(factor)) {
        throw new VlmqException(module + ": NVFP4 codes without weight_global_scale or weight_scale_2");
      }
      return Optional.of(new StoredLinear(global != null ? "NVFP4" : "NVFP4 (ModelOpt)", Codes.FP4, c, 4, o,
          i, grid(scaleTensor, o, i), null, factor));
    }
    if (packed != null) {
      var shape = params.get("weight_shape");
      if (shape == null) throw new VlmqException(module + ": weight_packed without weight_shape");
      long o = shape.data().get(LONG, 0);
      long i = shape.data().get(LONG, 8);
      long words = packed.shape()[1];
      int bits = 0;
      for (int b = 1; b <= 8; b++) {
        if (Math.ceilDiv(i * b, 32) == words) {
          if (bits != 0) throw new VlmqException(module + ": cannot tell the bit width of " + words + " words per row");
          bits = b;
        }
      }
      if (bits == 0 || packed.shape()[0] != o) {
        throw new VlmqException(module + ": weight_packed " + Arrays.toString(packed.shape())
            + " does not hold weight_shape [" + o + ", " + i + "]");
      }
      var s = grid(scaleTensor, o, i);
      return Optional.of(new StoredLinear("INT" + bits + " packed", Codes.PACKED_INT, packed, bits, o, i, s,
          zp == null ? null : zeroPoint(zp, s, bits, o, i), 1f));
    }
    long o = weight.shape()[0];
    long i = weight.shape()[1];
    return switch (weight.dtype()) {
      case F8_E4M3 -> Optional.of(new StoredLinear("FP8", Codes.FP8, weight, 8, o, i,
          grid(scaleTensor, o, i), null, 1f));
      case I8 -> Optional.of(new StoredLinear("INT8", Codes.INT8, weight, 8, o, i,
          grid(scaleTensor, o, i), zp == null ? null : grid(zp, o, i), 1f));
      default -> throw new VlmqException(module + ".weight is " + weight.dtype() + "; vlmq reads FP8, INT8, packed"
          + " INT, NVFP4 and MXFP4 weights");
    };
  }

  /** The storage, e.g. {@code FP8 per-channel}. */
  String label() {
    return (label + " " + scale.describe()).trim();
  }

  long rows() {
    return rows;
  }

  long cols() {
    return cols;
  }

  /** Row {@code r}'s real values into {@code out[0, cols)}. */
  void row(long r, float[] out) {
    var data = codeTensor.data();
    for (int c = 0; c < cols; c++) {
      float q = switch (codes) {
        case FP8 -> Fp8E4m3.toFloat(data.get(ValueLayout.JAVA_BYTE, r * cols + c));
        case INT8 -> data.get(ValueLayout.JAVA_BYTE, r * cols + c);
        case FP4 -> {
          byte b = data.get(ValueLayout.JAVA_BYTE, r * (cols / 2) + c / 2);
          yield Fp4E2m1.toFloat((c & 1) == 0 ? Fp4E2m1.evenCode(b) : Fp4E2m1.oddCode(b));
        }
        case PACKED_INT -> unpack(data, r * codeTensor.shape()[1], c, bits);
      };
      if (zeroPoint != null) q -= zeroPoint.value(r, c);
      out[c] = q * (scale.value(r, c) * scaleFactor);
    }
  }

  /** The signed value at position {@code i} of a packed line starting at word {@code lineWord}. */
  private static float unpack(MemorySegment words, long lineWord, long i, int bits) {
    long bit = i * bits;
    long w = lineWord + (bit >>> 5);
    int shift = (int) (bit & 31);
    long word = words.get(INT, 4 * w) & 0xFFFFFFFFL;
    long value = word >>> shift;
    if (shift + bits > 32) value |= (words.get(INT, 4 * (w + 1)) & 0xFFFFFFFFL) << (32 - shift);
    return (int) (value & ((1L << bits) - 1)) - (1 << (bits - 1));
  }

  /** Which scale (or zero point) element {@code [r, c]} uses. */
  private sealed interface Grid permits Dense, PackedColumns {
    float value(long r, long c);

    String describe();
  }

  /** {@code tensor[(r / rowsPer) · perRow + c / colsPer]}. */
  private record Dense(Tensor tensor, long rowsPer, long colsPer, long perRow, String describe) implements Grid {
    @Override
    public float value(long r, long c) {
      long index = (r / rowsPer) * perRow + c / colsPer;
      var data = tensor.data();
      return switch (tensor.dtype()) {
        case F8_E4M3 -> Fp8E4m3.toFloat(data.get(ValueLayout.JAVA_BYTE, index));
        case U8 -> E8m0.toFloat(data.get(ValueLayout.JAVA_BYTE, index));
        case I8 -> data.get(ValueLayout.JAVA_BYTE, index);
        default -> FloatElements.get(data, tensor.dtype(), index);
      };
    }
  }

  /**
   * A zero point packed along the output dimension ({@code IntPacking}): column g of the {@code [O, G]} matrix is one
   * packed line whose word w sits at {@code [w, g]} of the I32 tensor.
   */
  private record PackedColumns(Tensor tensor, int bits, long colsPer, long groups) implements Grid {
    @Override
    public float value(long r, long c) {
      long g = c / colsPer;
      long bit = r * bits;
      long w = bit >>> 5;
      int shift = (int) (bit & 31);
      var data = tensor.data();
      long value = (data.get(INT, 4 * (w * groups + g)) & 0xFFFFFFFFL) >>> shift;
      if (shift + bits > 32) value |= (data.get(INT, 4 * ((w + 1) * groups + g)) & 0xFFFFFFFFL) << (32 - shift);
      return (int) (value & ((1L << bits) - 1)) - (1 << (bits - 1));
    }

    @Override
    public String describe() {
      return "";
    }
  }

  private static Grid grid(Tensor t, long o, long i) {
    long n = t.info().elementCount();
    long[] s = t.shape();
    if (n == 1) return new Dense(t, o, i, 1, "per-tensor");
    if (n == o && (s.length == 1 || s.length == 2 && s[1] == 1)) return new Dense(t, 1, i, 1, "per-channel");
    if (s.length == 4 && s[1] == 1 && s[3] == 1 && s[0] * BLOCK == o && s[2] * BLOCK == i) {
      return new Dense(t, BLOCK, BLOCK, s[2], "128x128 blocks");
    }
    if (s.length == 2 && s[0] == o && i % s[1] == 0) return new Dense(t, 1, i / s[1], s[1], "group " + i / s[1]);
    if (s.length == 2 && s[0] == Math.ceilDiv(o, BLOCK) && s[1] == Math.ceilDiv(i, BLOCK)) {
      return new Dense(t, BLOCK, BLOCK, s[1], "128x128 blocks");
    }
    throw new VlmqException(t.name() + " " + Arrays.toString(s) + " is no scale grid of a [" + o + ", " + i
        + "] weight vlmq knows");
  }

  private static Grid zeroPoint(Tensor zp, Grid scale, int bits, long o, long i) {
    if (zp.dtype() == DType.I32 && scale instanceof Dense d) {
      return new PackedColumns(zp, bits, d.colsPer(), d.perRow());
    }
    return grid(zp, o, i);
  }
}
