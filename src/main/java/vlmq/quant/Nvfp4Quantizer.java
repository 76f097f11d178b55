package vlmq.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.numeric.DType;
import vlmq.numeric.Kernels;
import vlmq.numeric.Fp4E2m1;
import vlmq.numeric.Fp8E4m3;

/**
 * NVFP4 (FP4 E2M1 values, one FP8 E4M3 scale per 16, one FP32 global scale), as llm-compressor's
 * {@code generate_gparam} / {@code calculate_qparams} and compressed-tensors' NVFP4 compressor compute it, with
 * A the absmax of the tensor or of its fused group (q/k/v, gate/up) and m the model dtype:
 * <pre>
 *   g     = m(m(1 / max(A, 2^-126)) · 2688)        (2688 / A is reciprocal-then-multiply; inf/NaN → 1.0)
 *   sg    = e4m3_rne(clamp(g · m(amax16 / 6), ±448))   (f32 product), 0 → 0.125
 *   s     = sg / g                                 (f32)
 *   code  = fp4(clamp(x / s + 0, ±6))              (f32 division; {@link Fp4E2m1} thresholds; -0 only from negatives)
 * </pre>
 * The clamp changes no code ({@link Fp4E2m1} maps everything above 5 to 6), so a row is {@link Kernels#divideRound}
 * in F32 then {@link Kernels#f32ToFp4E2m1Packed}.
 * {@code weight_global_scale} holds g (it is the quantization scale, the reciprocal of ModelOpt's), and
 * {@code weight_scale} the E4M3 codes of sg.
 */
final class Nvfp4Quantizer extends GridQuantizer {
  private static final float FP4_MAX = 6f;
  /** Where sg would be 0. */
  private static final float ZERO_SG = 0.125f;

  Nvfp4Quantizer(LinearLayout layout, Kernels kernels) {
    super(layout, kernels);
  }

  /** The global scale for absmax {@code a} (the tensor's, or its fused group's). */
  float globalScale(float a) {
    float g = model.round(model.round(1f / model.round(Math.max(a, Float.MIN_NORMAL))) * (Fp8E4m3.MAX * FP4_MAX));
    return Float.isFinite(g) ? g : 1f;
  }

  @Override
  Encoder encoder(TensorStats stats, Map<LinearParam, MemorySegment> out, long windowRows) {
    MemorySegment packedOut = out.get(LinearParam.WEIGHT_PACKED);
    MemorySegment scaleOut = out.get(LinearParam.WEIGHT_SCALE);
    float g = globalScale(stats.absMax());
    float[] scale = new float[units];
    float[] zeros = new float[units];
    float[] local = new float[units];
    float[] fp4Max = {FP4_MAX};
    float[] global = {g};
    return new Encoder() {
      @Override
      public void tensorWide() {
        out.get(LinearParam.WEIGHT_GLOBAL_SCALE).set(ModelDType.FLOAT, 0, g);
      }

      @Override
      public void scales(float[] min, float[] max, long scaleRow) {
        // The formula for all units at once (max holds the absmax), sg in local; the clamp to ±448 changes no code.
        long at = scaleRow * units;
        kernels.divideRound(max, 0, units, units, fp4Max, zeros, model.dtype(), local, 0);
        for (int u = 0; u < units; u++) local[u] *= g;
        kernels.roundToFp8E4m3(local, 0, units, scaleOut, at);
        for (int u = 0; u < units; u++) {
          if (local[u] == 0f) {
            local[u] = ZERO_SG;
            scaleOut.set(ValueLayout.JAVA_BYTE, at + u, Fp8E4m3.fromFloat(ZERO_SG));
          }
        }
        kernels.divideRound(local, 0, units, units, global, zeros, DType.F32, scale, 0);
      }

      @Override
      public void row(float[] x, long r) {
        kernels.divideRound(x, 0, cols, unitCols, scale, zeros, DType.F32, x, 0);
        kernels.f32ToFp4E2m1Packed(x, 0, cols, packedOut, r * (cols / 2));
      }
    };
  }
}
