package vlmq.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import vlmq.numeric.Fp8E4m3;
import vlmq.numeric.Kernels;

/**
 * The dynamic input quantization vLLM applies in front of a W8A8 matmul, emulated in float32: each activation row
 * (or each group of it) gets a scale from its absolute maximum, is rounded to the 8-bit grid, and is handed on as
 * {@code code · scale}. The matmul that follows is then exactly vLLM's {@code (Σ q_x·q_w)·s_x·s_w} up to float32
 * rounding, so {@code vlmq compare} measures the numerics vLLM serves, not just the weight error. Formulas as vLLM
 * computes them ({@code QuantFP8.forward_native}, {@code dynamic_scaled_int8_quant}):
 * <pre>
 *   FP8, per token    s = max(amax / 448, 1 / (448·512)),  q = e4m3(clamp(x · (1/s), ±448))       FP8_DYNAMIC
 *   FP8, per group    s = max(amax_g / 448, 1 / (448·512)), q = e4m3(clamp(x / s, ±448))           FP8_BLOCK
 *   INT8, per token   s = amax / 127,  q = rint(clamp(x · (127 / amax), −128, 127))  (amax 0: q 0)  W8A8
 * </pre>
 * vLLM's activations arrive in the model dtype (bf16) while the engine's are float32; that rounding is not emulated.
 */
public sealed interface ActivationQuantizer {
  /** {@code out[r·cols + i]} = the quantized-then-dequantized {@code x[r·cols + i]} for {@code r < n}. */
  void apply(float[] x, int n, int cols, float[] out);

  /** A short name for reports: {@code fp8/token}, {@code fp8/group128}, {@code int8/token}. */
  String describe();

  float FP8_MIN_SCALE = 1f / (Fp8E4m3.MAX * 512f);

  /** FP8 E4M3 with one scale per token (row). */
  record Fp8PerToken() implements ActivationQuantizer {
    @Override
    public void apply(float[] x, int n, int cols, float[] out) {
      for (int r = 0; r < n; r++) fp8(x, r * cols, cols, out, true);
    }

    @Override
    public String describe() {
      return "fp8/token";
    }
  }

  /** FP8 E4M3 with one scale per {@code groupSize} consecutive values of a token. */
  record Fp8PerGroup(int groupSize) implements ActivationQuantizer {
    public Fp8PerGroup {
      if (groupSize < 1) throw new IllegalArgumentException("group size " + groupSize);
    }

    @Override
    public void apply(float[] x, int n, int cols, float[] out) {
      for (int r = 0; r < n; r++) {
        for (int c = 0; c < cols; c += groupSize) fp8(x, r * cols + c, Math.min(groupSize, cols - c), out, false);
      }
    }

    @Override
    public String describe() {
      return "fp8/group" + groupSize;
    }
  }

  /** Symmetric INT8 with one scale per token. */
  record Int8PerToken() implements ActivationQuantizer {
    @Override
    public void apply(float[] x, int n, int cols, float[] out) {
      for (int r = 0; r < n; r++) {
        int off = r * cols;
        float amax = Kernels.get().absMax(x, off, cols);
        if (amax == 0f) { // cvt.rni.sat turns the NaN of 0 · (127 / 0) into 0
          Arrays.fill(out, off, off + cols, 0f);
        } else {
          Kernels.get().fakeQuantizeInt8(x, off, cols, 127f / amax, amax / 127f, out, off);
        }
      }
    }

    @Override
    public String describe() {
      return "int8/token";
    }
  }

  private static void fp8(float[] x, int off, int n, float[] out, boolean reciprocal) {
    float scale = Math.max(Kernels.get().absMax(x, off, n) / Fp8E4m3.MAX, FP8_MIN_SCALE);
    float inverse = 1f / scale;
    for (int i = off; i < off + n; i++) {
      float y = reciprocal ? x[i] * inverse : x[i] / scale;
      out[i] = Math.max(-Fp8E4m3.MAX, Math.min(Fp8E4m3.MAX, y));
    }
    Kernels.get().roundToFp8E4m3(out, off, n, MemorySegment.ofArray(new byte[n]), 0);
    for (int i = off; i < off + n; i++) out[i] *= scale;
  }
}
