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

  Nvfp4Quantizer(LinearLayout layout, Kernels kernels) {
    super(layout, kernels);
  }

  /** The global scale for absmax {@code a} (the tensor's, or its fused group's). */
  float globalScale(float a) {
    float g = model.round(model.round(1f / model.round(Math.max(a, Float.MIN_NORMAL))) * (Fp8E4m3.MAX * FP4_MAX));
    return Float.isFinite(g) ? g : 1f;
  }

  @Override
  Encoder encoder(TensorStats stats, Map<LinearParam, MemorySegment> out) {
    MemorySegment packedOut = out.get(LinearParam.WEIGHT_PACKED);
    MemorySegment scaleOut = out.get(LinearParam.WEIGHT_SCALE);
    float g = globalScale(stats.absMax());
    float[] scale = new float[units];
    float[] zeros = new float[units];
    return new Encoder() {
      @Override
      public void tensorWide() {
        out.get(LinearParam.WEIGHT_GLOBAL_SCALE).set(ModelDType.FLOAT, 0, g);
      }

      @Override
      public void scales(float[] min, float[] max, long scaleRow) {
        for (int u = 0; u < units; u++) {
          float local = g * model.round(absMax(min[u], max[u]) / FP4_MAX);
          byte code = Fp8E4m3.fromFloat(clamp(local, -Fp8E4m3.MAX, Fp8E4m3.MAX));
          float sg = Fp8E4m3.toFloat(code);
          if (sg == 0f) {
            sg = 0.125f;
            code = Fp8E4m3.fromFloat(sg);
          }
          scale[u] = sg / g;
          scaleOut.set(ValueLayout.JAVA_BYTE, scaleRow * units + u, code);
        }
      }

      @Override
      public void row(float[] x, long r) {
        kernels.divideRound(x, 0, cols, unitCols, scale, zeros, DType.F32, x, 0);
        kernels.f32ToFp4E2m1Packed(x, 0, cols, packedOut, r * (cols / 2));
      }
    };
  }
}
