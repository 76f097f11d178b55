package vlmq.format.modelopt;

import vlmq.numeric.Bf16;
import vlmq.numeric.DType;
import vlmq.numeric.F16;

/**
 * NVFP4's tensor-wide scales, stored inverted between the formats: compressed-tensors keeps the quantization scale
 * ({@code weight_global_scale = 448·6 / amax}, a value of the model dtype: its quantizer rounds it to bf16 for bf16
 * models), ModelOpt the dequantization scale ({@code weight_scale_2 = amax / (448·6)}, f32).
 *
 * <p>The way to ModelOpt is the correctly rounded f32 reciprocal. The f32 reciprocal of that is not always the
 * original (1.75 comes back as 1.7499999, and for values above √2 no f32 at all has 1.75 as its reciprocal), so the
 * way back first tries the reciprocal rounded to the model dtype and takes it when it maps forward to the same
 * ModelOpt value, i.e. when it is a value compressed-tensors could have written; otherwise (a checkpoint ModelOpt
 * made) it keeps the plain f32 reciprocal, which loses nothing. For bf16 and f16 global scales the round trip is
 * exact for every value (an f32 error of an ulp is far below half a bf16/f16 ulp).
 */
public final class Reciprocal {
  private Reciprocal() {}

  /** compressed-tensors' {@code g} → ModelOpt's value: {@code 1f / g}. */
  public static float toModelOpt(float g) {
    return 1f / g;
  }

  /**
   * ModelOpt's {@code x} → compressed-tensors' value: {@code 1f / x} rounded to {@code grid} (the model dtype) when
   * that maps back to {@code x} exactly, else {@code 1f / x}.
   */
  public static float toCompressedTensors(float x, DType grid) {
    float plain = 1f / x;
    float rounded = switch (grid) {
      case BF16 -> Bf16.round(plain);
      case F16 -> F16.round(plain);
      default -> plain;
    };
    return Float.floatToRawIntBits(toModelOpt(rounded)) == Float.floatToRawIntBits(x) ? rounded : plain;
  }
}
