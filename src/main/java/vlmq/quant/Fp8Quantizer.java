package vlmq.quant;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.numeric.Fp8E4m3;
import vlmq.numeric.Kernels;
import vlmq.recipe.Strategy;

/**
 * FP8 E4M3 weights with model-dtype scales (FP8, FP8_DYNAMIC, FP8_BLOCK, or any tensor/channel/group/block
 * float8 args), as compressed-tensors' {@code calculate_qparams} and {@code _quantize} compute them in the model
 * dtype m (bf16 for bf16 models):
 * <pre>
 *   amax  = max(|min(unit), 0|, |max(unit), 0|)
 *   s     = m(amax / 448),  s == 0 → eps(m)            (2^-7 for bf16)
 *   code  = e4m3_rne(clamp(m(x / s) + 0, -448, 448))   (+0 turns -0.0 into +0.0; a negative that rounds to 0 is 0x80)
 * </pre>
 * The {@code m(x / s)} step is a real double rounding (bf16, then e4m3) and is what makes the bytes match. The clamp
 * changes no code ({@link Fp8E4m3} saturates the same way), so a row is {@link Kernels#divideRound} with zero points
 * +0 and then {@link Kernels#f32ToFp8E4m3}.
 */
final class Fp8Quantizer extends GridQuantizer {
  Fp8Quantizer(LinearLayout layout, Kernels kernels) {
    super(layout, kernels);
  }

  float scale(float min, float max) {
    float s = model.round(absMax(min, max) / Fp8E4m3.MAX);
    return s == 0f ? model.eps() : s;
  }

  @Override
  Encoder encoder(TensorStats stats, Map<LinearParam, MemorySegment> out, long windowRows) {
    MemorySegment weight = out.get(LinearParam.WEIGHT);
    MemorySegment scaleOut = out.get(LinearParam.WEIGHT_SCALE);
    float[] scale = new float[units];
    float[] zeros = new float[units];
    if (strategy == Strategy.TENSOR) scale[0] = scale(stats.min(), stats.max());
    return new Encoder() {
      @Override
      public void tensorWide() {
        if (strategy == Strategy.TENSOR) model.write(scaleOut, 0, scale[0]);
      }

      @Override
      public void scales(float[] min, float[] max, long scaleRow) {
        for (int u = 0; u < units; u++) {
          scale[u] = scale(min[u], max[u]);
          model.write(scaleOut, scaleRow * units + u, scale[u]);
        }
      }

      @Override
      public void row(float[] x, long r) {
        kernels.divideRound(x, 0, cols, unitCols, scale, zeros, model.dtype(), x, 0);
        kernels.f32ToFp8E4m3(x, 0, cols, weight, r * cols);
      }
    };
  }
}
