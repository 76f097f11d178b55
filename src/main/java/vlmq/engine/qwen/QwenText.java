package vlmq.engine.qwen;

import java.util.ArrayList;
import java.util.List;
import vlmq.engine.nn.Attention;
import vlmq.engine.nn.Linear;
import vlmq.engine.nn.RmsNorm;
import vlmq.engine.nn.Rope;
import vlmq.engine.tensor.LinearWeights;
import vlmq.engine.tensor.Matrix;
import vlmq.engine.tensor.Parallel;
import vlmq.engine.tensor.Weights;

/**
 * The Qwen-VL language model (spec §5, §7.2, §7.3): pre-norm decoder layers whose token mixer is grouped-query
 * attention (q/k/v bias in Qwen2/2.5-VL, per-head q/k RMSNorm in Qwen3-VL and Qwen3.5, an output gate and partial
 * RoPE in Qwen3.5) or Qwen3.5's {@link GatedDeltaNet}, M-RoPE over three position rows, a SwiGLU MLP, the final
 * RMSNorm and a tied or separate lm_head. Qwen3.5's RMSNorms are zero-centred: {@code x̂·(1 + w)}. Rows are
 * processed in chunks appended to a {@link Cache}: the whole prompt, then one generated token at a time.
 */
final class QwenText {
  private static final String PREFIX = "model.language_model.";

  private final QwenVlConfig.Text config;
  private final boolean zeroCentredNorms;
  private final LinearWeights embedTokens;
  private final List<Layer> layers = new ArrayList<>();
  private final RmsNorm norm;
  private final LinearWeights lmHead;
  private final float[] inverseFrequencies;
  /** Which position row (0 temporal, 1 height, 2 width) drives each rotary frequency. */
  private final int[] frequencyRow;

  /** What mixes the tokens of a layer. */
  private sealed interface Mixer permits SelfAttention, DeltaNet {}

  /**
   * Softmax attention; {@code gated}: q_proj also yields a per-head gate ({@code [query | gate]} per head) and the
   * attention output is multiplied by its sigmoid before o_proj (Qwen3.5).
   */
  private record SelfAttention(Linear q, Linear k, Linear v, Linear o, RmsNorm qNorm, RmsNorm kNorm, boolean gated)
      implements Mixer {}

  private record DeltaNet(GatedDeltaNet net) implements Mixer {}

  private record Layer(RmsNorm inputNorm, Mixer mixer, RmsNorm postNorm, Linear gate, Linear up, Linear down) {}

  QwenText(QwenVlConfig.Text config, QwenVariant variant, Weights weights) {
    this.config = config;
    this.zeroCentredNorms = variant == QwenVariant.QWEN3_5;
    int c = config.hiddenSize();
    embedTokens = weights.linear(PREFIX + "embed_tokens.weight", config.vocabSize(), c);
    for (int i = 0; i < config.layers(); i++) {
      String l = PREFIX + "layers." + i + ".";
      Mixer mixer = switch (config.layerTypes().get(i)) {
        case FULL_ATTENTION -> attention(weights, l + "self_attn.", variant == QwenVariant.QWEN3_5,
            variant.qwen3Family() && config.attentionBias());
        case LINEAR_ATTENTION -> new DeltaNet(new GatedDeltaNet(config.linearAttention(), c, config.rmsNormEps(),
            config.act(), weights, l + "linear_attn."));
      };
      layers.add(new Layer(norm(weights, l + "input_layernorm", c), mixer,
          norm(weights, l + "post_attention_layernorm", c),
          linear(weights, l + "mlp.gate_proj", config.intermediateSize(), c, false),
          linear(weights, l + "mlp.up_proj", config.intermediateSize(), c, false),
          linear(weights, l + "mlp.down_proj", c, config.intermediateSize(), false)));
    }
    norm = norm(weights, PREFIX + "norm", c);
    // tied: transformers points lm_head at the embeddings and ignores any stored lm_head.weight (spec §2)
    lmHead = config.tiedEmbeddings() ? embedTokens : weights.linear("lm_head.weight", config.vocabSize(), c);
    inverseFrequencies = Rope.inverseFrequencies(config.ropeTheta(), config.rotaryDim());
    frequencyRow = frequencyRows(config.mropeSection(), config.rotaryDim() / 2, variant.qwen3Family());
  }

  private SelfAttention attention(Weights weights, String module, boolean gated, boolean outputBias) {
    int c = config.hiddenSize();
    int qWidth = config.heads() * config.headDim();
    int kvWidth = config.kvHeads() * config.headDim();
    boolean bias = config.attentionBias();
    return new SelfAttention(linear(weights, module + "q_proj", gated ? 2 * qWidth : qWidth, c, bias),
        linear(weights, module + "k_proj", kvWidth, c, bias), linear(weights, module + "v_proj", kvWidth, c, bias),
        linear(weights, module + "o_proj", c, qWidth, outputBias),
        config.qkNorm() ? norm(weights, module + "q_norm", config.headDim()) : null,
        config.qkNorm() ? norm(weights, module + "k_norm", config.headDim()) : null, gated);
  }

  /**
   * Qwen2/2.5-VL split the frequencies into contiguous T, H, W sections; Qwen3-VL and Qwen3.5 interleave them:
   * frequency j reads H when j ≡ 1 (mod 3) and j < 3·section[1], W when j ≡ 2 (mod 3) and j < 3·section[2], else T.
   */
  static int[] frequencyRows(int[] section, int half, boolean interleaved) {
    int[] rows = new int[half];
    for (int j = 0; j < half; j++) {
      if (interleaved) {
        rows[j] = j % 3 == 1 && j < 3 * section[1] ? 1 : j % 3 == 2 && j < 3 * section[2] ? 2 : 0;
      } else {
        rows[j] = j < section[0] ? 0 : j < section[0] + section[1] ? 1 : 2;
      }
    }
    return rows;
  }

  private static Linear linear(Weights w, String module, int rows, int cols, boolean bias) {
    return new Linear(w.linear(module + ".weight", rows, cols), bias ? w.vector(module + ".bias", rows) : null);
  }

  /** A text RMSNorm; Qwen3.5's stores offsets from 1, which are added here once ({@code 1 + w} in float32). */
  private RmsNorm norm(Weights w, String module, int dim) {
    float[] weight = w.vector(module + ".weight", dim);
    if (zeroCentredNorms) {
      for (int i = 0; i < dim; i++) weight[i] = 1f + weight[i];
    }
    return new RmsNorm(weight, config.rmsNormEps());
  }

  int hiddenSize() {
    return config.hiddenSize();
  }

  int vocabSize() {
    return config.vocabSize();
  }

  /** Writes the embedding rows of {@code ids} into {@code out[ids.length, C]}. */
  void embed(int[] ids, int count, float[] out) {
    for (int i = 0; i < count; i++) embedTokens.readRow(ids[i], out, i * config.hiddenSize());
  }

  /**
   * What each layer remembers of positions {@code [0, length)}: keys and values of the attention layers (room for
   * {@code capacity}), the convolution inputs and recurrent state of the DeltaNet layers.
   */
  final class Cache {
    final float[][] keys = new float[layers.size()][];
    final float[][] values = new float[layers.size()][];
    final GatedDeltaNet.State[] deltaStates = new GatedDeltaNet.State[layers.size()];
    final int capacity;
    int length;

    Cache(int capacity) {
      this.capacity = capacity;
      int kvWidth = config.kvHeads() * config.headDim();
      for (int l = 0; l < layers.size(); l++) {
        if (layers.get(l).mixer instanceof DeltaNet) {
          deltaStates[l] = new GatedDeltaNet.State(config.linearAttention());
        } else {
          keys[l] = new float[capacity * kvWidth];
          values[l] = new float[capacity * kvWidth];
        }
      }
    }
  }

  /** Buffers for chunks of up to {@code rows} rows against a cache of {@code capacity}: reused every decode step. */
  final class Workspace {
    final int rows;
    final float[] normed;
    /** q_proj's output: {@code [query | gate]} per head when the attention is gated. */
    final float[] projectedQuery;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] attention;
    final float[] projected;
    final float[] gate;
    final float[] up;
    final float[] cos;
    final float[] sin;
    final float[] scores;
    final GatedDeltaNet.Scratch deltaNet;

    Workspace(int rows, int capacity) {
      this.rows = rows;
      int c = config.hiddenSize();
      int d = config.headDim();
      boolean gated = layers.stream().anyMatch(l -> l.mixer instanceof SelfAttention a && a.gated);
      normed = new float[rows * c];
      q = new float[rows * config.heads() * d];
      projectedQuery = gated ? new float[2 * q.length] : q;
      k = new float[rows * config.kvHeads() * d];
      v = new float[rows * config.kvHeads() * d];
      attention = new float[rows * config.heads() * d];
      projected = new float[rows * c];
      gate = new float[rows * config.intermediateSize()];
      up = new float[rows * config.intermediateSize()];
      cos = new float[rows * config.rotaryDim()];
      sin = new float[rows * config.rotaryDim()];
      scores = new float[Parallel.chunks() * capacity];
      deltaNet = config.linearAttention() == null ? null : new GatedDeltaNet.Scratch(config.linearAttention(), rows);
    }
  }

  /** Deepstack features to add after the first decoder layers at the given rows of the chunk (Qwen3-VL). */
  record Deepstack(int[] rows, List<float[]> features) {
    static final Deepstack NONE = new Deepstack(new int[0], List.of());
  }

  /**
   * Runs rows {@code x[n, C]} at {@code positions[3][offset..offset+n)} through every layer, appending what they
   * remember to {@code cache}; {@code x} ends as the last layer's output (before the final norm).
   */
  void forward(float[] x, int n, int[][] positions, int offset, Cache cache, Deepstack deepstack,
      ForwardObserver observer, Workspace ws) {
    int c = config.hiddenSize();
    int start = cache.length;
    if (n > ws.rows || start + n > cache.capacity) {
      throw new IllegalStateException(n + " rows at " + start + " exceed the workspace (" + ws.rows
          + ") or the cache (" + cache.capacity + ")");
    }
    rotaryTables(positions, offset, n, ws);
    Matrix hidden = new Matrix(x, n, c);
    Matrix mixed = new Matrix(ws.projected, n, c);
    for (int l = 0; l < layers.size(); l++) {
      Layer layer = layers.get(l);
      layer.inputNorm.apply(x, n, ws.normed);
      switch (layer.mixer) {
        case SelfAttention a -> attend(a, l, n, start, cache, ws);
        case DeltaNet d -> d.net.forward(ws.normed, n, cache.deltaStates[l], ws.deltaNet, ws.projected);
      }
      observer.decoderMixer(l, start, mixed);
      for (int i = 0; i < n * c; i++) x[i] += ws.projected[i];

      layer.postNorm.apply(x, n, ws.normed);
      layer.gate.forward(ws.normed, n, ws.gate);
      layer.up.forward(ws.normed, n, ws.up);
      int m = n * config.intermediateSize();
      for (int i = 0; i < m; i++) ws.gate[i] = config.act().apply(ws.gate[i]) * ws.up[i];
      layer.down.forward(ws.gate, n, ws.projected);
      for (int i = 0; i < n * c; i++) x[i] += ws.projected[i];

      observer.decoderLayer(l, start, hidden);
      if (l < deepstack.features().size()) {
        float[] features = deepstack.features().get(l);
        for (int k = 0; k < deepstack.rows().length; k++) {
          int row = deepstack.rows()[k];
          for (int i = 0; i < c; i++) x[row * c + i] += features[k * c + i];
        }
      }
    }
    cache.length = start + n;
  }

  /** Attention of layer {@code l} over {@code ws.normed}, output projected into {@code ws.projected}. */
  private void attend(SelfAttention a, int l, int n, int start, Cache cache, Workspace ws) {
    int d = config.headDim();
    int heads = config.heads();
    int kvHeads = config.kvHeads();
    int kvWidth = kvHeads * d;
    int rotary = config.rotaryDim();
    a.q.forward(ws.normed, n, ws.projectedQuery);
    if (a.gated) {
      for (int r = 0; r < n * heads; r++) System.arraycopy(ws.projectedQuery, 2 * r * d, ws.q, r * d, d);
    }
    a.k.forward(ws.normed, n, ws.k);
    a.v.forward(ws.normed, n, ws.v);
    for (int r = 0; r < n; r++) {
      for (int h = 0; h < heads; h++) {
        int at = (r * heads + h) * d;
        if (a.qNorm != null) a.qNorm.applyRow(ws.q, at, ws.q, at);
        Rope.rotate(ws.q, at, rotary, ws.cos, ws.sin, r * rotary);
      }
      for (int h = 0; h < kvHeads; h++) {
        int at = (r * kvHeads + h) * d;
        if (a.kNorm != null) a.kNorm.applyRow(ws.k, at, ws.k, at);
        Rope.rotate(ws.k, at, rotary, ws.cos, ws.sin, r * rotary);
      }
    }
    System.arraycopy(ws.k, 0, cache.keys[l], start * kvWidth, n * kvWidth);
    System.arraycopy(ws.v, 0, cache.values[l], start * kvWidth, n * kvWidth);
    Attention.causal(ws.q, n, start, cache.keys[l], cache.values[l], heads, kvHeads, d, ws.scores, ws.attention);
    if (a.gated) {
      for (int r = 0; r < n * heads; r++) {
        for (int i = 0; i < d; i++) {
          float g = ws.projectedQuery[(2 * r + 1) * d + i];
          ws.attention[r * d + i] *= 1f / (1f + (float) Math.exp(-g));
        }
      }
    }
    a.o.forward(ws.attention, n, ws.projected);
  }

  /**
   * cos/sin {@code [n, rotaryDim]}: frequency j at its M-RoPE row's position, the angle rounded to float32 (the
   * dimensions past rotaryDim, Qwen3.5's partial RoPE, are not rotated).
   */
  private void rotaryTables(int[][] positions, int offset, int n, Workspace ws) {
    int d = config.rotaryDim();
    int half = d / 2;
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < half; j++) {
        float angle = (float) positions[frequencyRow[j]][offset + r] * inverseFrequencies[j];
        float cos = (float) Math.cos(angle);
        float sin = (float) Math.sin(angle);
        ws.cos[r * d + j] = cos;
        ws.cos[r * d + half + j] = cos;
        ws.sin[r * d + j] = sin;
        ws.sin[r * d + half + j] = sin;
      }
    }
  }

  /** The final norm of rows {@code [first, first + n)} of {@code x}, then the lm_head: {@code out[n, vocab]}. */
  void logits(float[] x, int first, int n, float[] normed, float[] out) {
    int c = config.hiddenSize();
    System.arraycopy(x, first * c, normed, 0, n * c);
    norm.apply(normed, n, normed);
    lmHead.matmul(normed, n, out);
  }
}
