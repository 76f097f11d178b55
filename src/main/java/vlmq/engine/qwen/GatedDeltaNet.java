package vlmq.engine.qwen;

import java.util.Arrays;
import vlmq.engine.nn.Activation;
import vlmq.engine.nn.Linear;
import vlmq.engine.nn.RmsNorm;
import vlmq.engine.tensor.LinearWeights;
import vlmq.engine.tensor.Parallel;
import vlmq.engine.tensor.Weights;

/**
 * Qwen3.5's gated DeltaNet token mixer (spec §7.3; transformers' {@code Qwen3_5GatedDeltaNet} as it runs without
 * the fla and causal-conv1d kernels, in float32). q, k and v come through a causal depthwise convolution and SiLU;
 * each value head keeps a {@code dk × dv} state S that every token decays by {@code exp(g)} and corrects towards
 * its value with the delta rule ({@code S += k̂·(β·(v − Sᵀk̂))ᵀ}), and reads with {@code o = Sᵀq̂}; the heads'
 * outputs are RMS-normalised (plain weight) and gated by {@code silu(z)}. Tokens are processed by the per-token
 * recurrence, which is transformers' decode path ({@code torch_recurrent_gated_delta_rule}); its prefill path (the
 * 64-token chunked form) regroups the same sums and agrees to float rounding. The convolution's last inputs and S
 * live in a {@link State}, so a prompt and the tokens generated after it are one sequence.
 */
final class GatedDeltaNet {
  /** transformers' {@code l2norm} epsilon for q and k (fixed, not rms_norm_eps). */
  private static final float L2_EPS = 1e-6f;
  /** {@code F.softplus}'s default threshold: above it softplus(x) is x. */
  private static final float SOFTPLUS_THRESHOLD = 20f;

  private final QwenVlConfig.LinearAttention sizes;
  private final Linear inQkv;
  private final Linear inZ;
  private final Linear inB;
  private final Linear inA;
  private final Linear outProj;
  /** Depthwise convolution taps {@code [convDim, K]}, oldest input first. */
  private final float[] convWeight;
  /** {@code −exp(A_log)} per value head, in float32 as transformers computes it. */
  private final float[] negA;
  private final float[] dtBias;
  private final RmsNorm norm;
  private final Activation act;

  GatedDeltaNet(QwenVlConfig.LinearAttention sizes, int hidden, float eps, Activation act, Weights w,
      String module) {
    this.sizes = sizes;
    this.act = act;
    int conv = sizes.convDim();
    int heads = sizes.valueHeads();
    inQkv = new Linear(w.linear(module + "in_proj_qkv.weight", conv, hidden), null);
    inZ = new Linear(w.linear(module + "in_proj_z.weight", sizes.valueDim(), hidden), null);
    inB = new Linear(w.linear(module + "in_proj_b.weight", heads, hidden), null);
    inA = new Linear(w.linear(module + "in_proj_a.weight", heads, hidden), null);
    outProj = new Linear(w.linear(module + "out_proj.weight", hidden, sizes.valueDim()), null);
    LinearWeights taps = w.linear(module + "conv1d.weight", conv, sizes.convKernel());
    convWeight = new float[conv * sizes.convKernel()];
    for (int c = 0; c < conv; c++) taps.readRow(c, convWeight, c * sizes.convKernel());
    float[] aLog = w.vector(module + "A_log", heads);
    negA = new float[heads];
    for (int h = 0; h < heads; h++) negA[h] = -(float) Math.exp(aLog[h]);
    dtBias = w.vector(module + "dt_bias", heads);
    norm = new RmsNorm(w.vector(module + "norm.weight", sizes.valueHeadDim()), eps);
  }

  /** One sequence's memory: the last {@code K − 1} convolution inputs and every value head's state S. */
  static final class State {
    /** {@code [K − 1, convDim]} pre-convolution rows, oldest first (zeros before the sequence starts). */
    final float[] convRows;
    /** {@code [valueHeads, dk, dv]}. */
    final float[] recurrent;

    State(QwenVlConfig.LinearAttention sizes) {
      convRows = new float[(sizes.convKernel() - 1) * sizes.convDim()];
      recurrent = new float[sizes.valueHeads() * sizes.keyHeadDim() * sizes.valueHeadDim()];
    }
  }

  /** Buffers for chunks of up to {@code rows} rows, shared by every DeltaNet layer of a model. */
  static final class Scratch {
    final int rows;
    /** The convolution's input window: {@code K − 1} state rows, then the chunk's projected rows. */
    final float[] window;
    final float[] convolved;
    final float[] z;
    final float[] beta;
    final float[] decay;
    final float[] core;
    /** Per value head: {@code Sᵀk̂} and then the delta, {@code dv} floats each. */
    final float[] delta;

    Scratch(QwenVlConfig.LinearAttention sizes, int rows) {
      this.rows = rows;
      int conv = sizes.convDim();
      window = new float[(rows + sizes.convKernel() - 1) * conv];
      convolved = new float[rows * conv];
      z = new float[rows * sizes.valueDim()];
      beta = new float[rows * sizes.valueHeads()];
      decay = new float[rows * sizes.valueHeads()];
      core = new float[rows * sizes.valueDim()];
      delta = new float[sizes.valueDim()];
    }
  }

  /** Mixes rows {@code x[n, C]} (already normalised) into {@code out[n, C]}, advancing {@code state}. */
  void forward(float[] x, int n, State state, Scratch s, float[] out) {
    int conv = sizes.convDim();
    int kernel = sizes.convKernel();
    int heads = sizes.valueHeads();
    int history = (kernel - 1) * conv;
    inQkv.forward(x, n, s.convolved);
    System.arraycopy(state.convRows, 0, s.window, 0, history);
    System.arraycopy(s.convolved, 0, s.window, history, n * conv);
    System.arraycopy(s.window, n * conv, state.convRows, 0, history);
    convolve(s.window, n, s.convolved);
    inZ.forward(x, n, s.z);
    inB.forward(x, n, s.beta);
    inA.forward(x, n, s.decay);
    for (int t = 0; t < n; t++) {
      for (int h = 0; h < heads; h++) {
        int i = t * heads + h;
        s.beta[i] = 1f / (1f + (float) Math.exp(-s.beta[i]));
        float g = negA[h] * softplus(s.decay[i] + dtBias[h]);
        s.decay[i] = (float) Math.exp(g);
      }
      normaliseQueryAndKey(s.convolved, t * conv);
    }
    recur(s, n, state.recurrent);
    int dv = sizes.valueHeadDim();
    for (int r = 0; r < n * heads; r++) {
      int off = r * dv;
      norm.applyRow(s.core, off, s.core, off);
      for (int j = 0; j < dv; j++) s.core[off + j] *= Activation.SILU.apply(s.z[off + j]);
    }
    outProj.forward(s.core, n, out);
  }

  /**
   * The causal depthwise convolution and activation: output row t, channel c is
   * {@code act(Σ_j w[c, j] · window[t + j, c])}, the window starting {@code K − 1} rows before the chunk.
   */
  private void convolve(float[] window, int n, float[] out) {
    int conv = sizes.convDim();
    int kernel = sizes.convKernel();
    for (int t = 0; t < n; t++) {
      for (int c = 0; c < conv; c++) {
        float sum = 0;
        for (int j = 0; j < kernel; j++) sum += convWeight[c * kernel + j] * window[(t + j) * conv + c];
        out[t * conv + c] = act.apply(sum);
      }
    }
  }

  /** q and k of every key head to unit length ({@code x·rsqrt(Σx² + 1e-6)}); q further by {@code dk^-½}. */
  private void normaliseQueryAndKey(float[] row, int off) {
    int dk = sizes.keyHeadDim();
    float scale = (float) (1 / Math.sqrt(dk));
    for (int h = 0; h < 2 * sizes.keyHeads(); h++) {
      int at = off + h * dk;
      double sum = 0;
      for (int i = 0; i < dk; i++) sum += (double) row[at + i] * row[at + i];
      float inverse = (float) (1 / Math.sqrt((float) sum + L2_EPS));
      boolean query = h < sizes.keyHeads();
      for (int i = 0; i < dk; i++) {
        float unit = row[at + i] * inverse;
        row[at + i] = query ? unit * scale : unit;
      }
    }
  }

  /**
   * The gated delta rule, token by token, each value head on its own (heads spread over threads); value head h
   * reads key head {@code h / (valueHeads / keyHeads)} (repeat_interleave).
   */
  private void recur(Scratch s, int n, float[] states) {
    int conv = sizes.convDim();
    int heads = sizes.valueHeads();
    int dk = sizes.keyHeadDim();
    int dv = sizes.valueHeadDim();
    int keyDim = sizes.keyDim();
    int group = heads / sizes.keyHeads();
    Parallel.forRange(heads, (long) n * dk * dv * 4, (chunk, from, to) -> {
      for (int h = from; h < to; h++) {
        int state = h * dk * dv;
        int delta = h * dv;
        for (int t = 0; t < n; t++) {
          int q = t * conv + (h / group) * dk;
          int k = q + keyDim;
          int v = t * conv + 2 * keyDim + h * dv;
          float decay = s.decay[t * heads + h];
          float beta = s.beta[t * heads + h];
          Arrays.fill(s.delta, delta, delta + dv, 0f);
          for (int i = 0; i < dk; i++) {
            float ki = s.convolved[k + i];
            int row = state + i * dv;
            for (int j = 0; j < dv; j++) {
              states[row + j] *= decay;
              s.delta[delta + j] += states[row + j] * ki;
            }
          }
          for (int j = 0; j < dv; j++) s.delta[delta + j] = (s.convolved[v + j] - s.delta[delta + j]) * beta;
          int o = t * sizes.valueDim() + h * dv;
          Arrays.fill(s.core, o, o + dv, 0f);
          for (int i = 0; i < dk; i++) {
            float ki = s.convolved[k + i];
            float qi = s.convolved[q + i];
            int row = state + i * dv;
            for (int j = 0; j < dv; j++) {
              states[row + j] += ki * s.delta[delta + j];
              s.core[o + j] += states[row + j] * qi;
            }
          }
        }
      }
    });
  }

  /** {@code F.softplus} with threshold 20: {@code log(1 + eˣ)}, or x itself above the threshold. */
  static float softplus(float x) {
    return x > SOFTPLUS_THRESHOLD ? x : (float) Math.log1p(Math.exp(x));
  }
}
