package vlmq.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.numeric.Bf16;
import vlmq.numeric.F16;
import vlmq.numeric.Kernels;

/**
 * MXFP4 / MXFP8: FP4 E2M1 or FP8 E4M3 values with one power-of-two (E8M0) scale per 32, as compressed-tensors'
 * {@code generate_mx_scales}, {@code maybe_convert_from_mx_exp} and {@code compress_mx_scale} compute them in the
 * model dtype m:
 * <pre>
 *   p2    = round_to_power_2(amax32)       bits(amax) + 2^(mantissa bits - 2), then keep sign and exponent only
 *                                          (bf16: +32, mask 0xFF80: mantissa fractions ≥ 0.75 round up)
 *   e     = clamp(127 + floor(log2 p2) - k, 0, 255)        k = 2 (FP4, floor(log2 6)) or 8 (FP8, floor(log2 448))
 *   s     = m(2^(e - 127)),  s == 0 → 1                    (eps of the uint8 scale dtype; only f16 models reach it)
 *   code  = fp4 | e4m3_rne (clamp(m(x / s) + 0, ±6 | ±448))
 *   weight_scale byte = 127 + floor(log2 s)                (= e; an infinite s gives 0x7F, torch's int32 cast of inf)
 * </pre>
 * The clamp changes no code (both codecs saturate the same way), so a row is {@link Kernels#divideRound} with zero
 * points +0, then {@link Kernels#f32ToFp4E2m1Packed} or {@link Kernels#f32ToFp8E4m3}.
 */
final class MxQuantizer extends GridQuantizer {
  private final boolean fp4;
  private final int offset;
  private final int mantissaBits;

  MxQuantizer(LinearLayout layout, Kernels kernels) {
    super(layout, kernels);
    fp4 = layout.weights().numBits() == 4;
    offset = fp4 ? 2 : 8;
    mantissaBits = switch (model) {
      case BF16 -> 7;
      case F16 -> 10;
      case F32 -> 23;
    };
  }

  /** {@code round_to_power_2} on the model dtype's bit pattern (amax ≥ 0). */
  float roundToPowerOf2(float amax) {
    int bits = switch (model) {
      case BF16 -> Bf16.fromFloat(amax) & 0xFFFF;
      case F16 -> F16.fromFloat(amax) & 0xFFFF;
      case F32 -> Float.floatToRawIntBits(amax);
    };
    int exponentBits = model == ModelDType.F16 ? 5 : 8;
    int mask = ((1 << (exponentBits + 1)) - 1) << mantissaBits;
    int p2 = (bits + (1 << (mantissaBits - 2))) & mask;
    return switch (model) {
      case BF16 -> Bf16.toFloat((short) p2);
      case F16 -> F16.toFloat((short) p2);
      case F32 -> Float.intBitsToFloat(p2);
    };
  }

  /** The biased exponent e of the unit's scale. */
  int exponent(float amax) {
    float p2 = roundToPowerOf2(amax);
    double log2 = p2 == 0f ? Double.NEGATIVE_INFINITY : Float.isInfinite(p2) ? Double.POSITIVE_INFINITY : log2(p2);
    double e = 127 + Math.floor(log2) - offset;
    return (int) Math.rint(Math.max(0, Math.min(255, e)));
  }

  /** Exact log2 of a positive finite power of two, subnormals included. */
  private static int log2(float p) {
    int bits = Float.floatToRawIntBits(p);
    int biased = bits >>> 23;
    return biased != 0 ? biased - 127 : -149 + 31 - Integer.numberOfLeadingZeros(bits);
  }

  @Override
  Encoder encoder(TensorStats stats, Map<LinearParam, MemorySegment> out, long windowRows) {
    MemorySegment codesOut = out.get(fp4 ? LinearParam.WEIGHT_PACKED : LinearParam.WEIGHT);
    MemorySegment scaleOut = out.get(LinearParam.WEIGHT_SCALE);
    float[] scale = new float[units];
    float[] zeros = new float[units];
    return new Encoder() {
      @Override
      public void tensorWide() {}

      @Override
      public void scales(float[] min, float[] max, long scaleRow) {
        for (int u = 0; u < units; u++) {
          float s = model.round(Math.scalb(1f, exponent(absMax(min[u], max[u])) - 127));
          if (s == 0f) s = 1f;
          scale[u] = s;
          int stored = Float.isInfinite(s) ? 127 + Integer.MIN_VALUE : 127 + log2(s);
          scaleOut.set(ValueLayout.JAVA_BYTE, scaleRow * units + u, (byte) stored);
        }
      }

      @Override
      public void row(float[] x, long r) {
        kernels.divideRound(x, 0, cols, unitCols, scale, zeros, model.dtype(), x, 0);
        if (fp4) kernels.f32ToFp4E2m1Packed(x, 0, cols, codesOut, r * (cols / 2));
        else kernels.f32ToFp8E4m3(x, 0, cols, codesOut, r * cols);
      }
    };
  }
}
