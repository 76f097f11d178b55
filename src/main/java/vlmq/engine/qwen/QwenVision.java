package vlmq.engine.qwen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import vlmq.VlmqException;
import vlmq.engine.image.GridThw;
import vlmq.engine.image.PixelValues;
import vlmq.engine.nn.Activation;
import vlmq.engine.nn.Attention;
import vlmq.engine.nn.LayerNorm;
import vlmq.engine.nn.Linear;
import vlmq.engine.nn.Norm;
import vlmq.engine.nn.RmsNorm;
import vlmq.engine.nn.Rope;
import vlmq.engine.tensor.LinearWeights;
import vlmq.engine.tensor.Matrix;
import vlmq.engine.tensor.Weights;

/**
 * The Qwen-VL vision tower (spec §4, §7): Conv3d patch embedding as a matmul, 2-D rotary positions, pre-norm ViT
 * blocks (Qwen2.5-VL: RMSNorm, gated SiLU MLP, window attention with full-attention blocks; Qwen2-VL and Qwen3-VL:
 * LayerNorm, plain MLP, full attention per frame; Qwen3-VL adds a resampled learned position embedding and deepstack
 * mergers, and Qwen3.5 is Qwen3-VL without deepstack), then the patch merger folding M×M patches into one
 * text-width token.
 */
final class QwenVision {
  private static final float EPS = 1e-6f;
  private static final String PREFIX = "model.visual.";

  private final QwenVlConfig.Vision config;
  private final QwenVariant variant;
  private final Linear patchEmbed;
  private final LinearWeights positionEmbedding;
  private final List<Block> blocks = new ArrayList<>();
  private final Merger merger;
  private final List<Merger> deepstack = new ArrayList<>();
  private final float[] inverseFrequencies;

  /** One ViT block: {@code x += proj(attn(norm1(x)))}, {@code x += mlp(norm2(x))}. */
  private record Block(Norm norm1, Norm norm2, Linear qkv, Linear proj, Mlp mlp) {}

  /** Folds M² consecutive patch rows into one token: norm per patch (or per group, post-shuffle), fc1, GELU, fc2. */
  private record Merger(Norm norm, boolean normAfterShuffle, Linear fc1, Linear fc2) {}

  /**
   * The block MLP: gated ({@code down(act(gate(x)) ⊙ up(x))}, Qwen2.5-VL) or plain ({@code down(act(up(x)))}, where
   * up and down are Qwen2-VL's fc1/fc2 and Qwen3-VL's linear_fc1/linear_fc2).
   *
   * @param gate null for a plain MLP
   */
  private record Mlp(Linear gate, Linear up, Linear down, Activation act) {
    int width() {
      return up.out();
    }
  }

  QwenVision(QwenVlConfig.Vision config, QwenVariant variant, Weights weights) {
    this.config = config;
    this.variant = variant;
    int width = config.hiddenSize();
    int merged = width * config.mergeSize() * config.mergeSize();
    boolean qwen3 = variant.qwen3Family();
    if (width % config.heads() != 0 || config.headDim() % 4 != 0) {
      throw new VlmqException("config.json: the vision hidden size " + width + " must split into " + config.heads()
          + " heads of a size divisible by 4 (2-D rotary embedding)");
    }
    patchEmbed = linear(weights, "patch_embed.proj", width, config.patchValues(), qwen3);
    if (qwen3) {
      int side = (int) Math.round(Math.sqrt(config.numPositionEmbeddings()));
      if (side * side != config.numPositionEmbeddings()) {
        throw new VlmqException("config.json: vision num_position_embeddings " + config.numPositionEmbeddings()
            + " must be a square");
      }
      positionEmbedding = weights.linear(PREFIX + "pos_embed.weight", config.numPositionEmbeddings(), width);
    } else {
      positionEmbedding = null;
    }
    for (int i = 0; i < config.depth(); i++) {
      String b = "blocks." + i + ".";
      Mlp mlp = switch (variant) {
        case QWEN2_5_VL -> new Mlp(linear(weights, b + "mlp.gate_proj", config.intermediateSize(), width, true),
            linear(weights, b + "mlp.up_proj", config.intermediateSize(), width, true),
            linear(weights, b + "mlp.down_proj", width, config.intermediateSize(), true), config.act());
        case QWEN2_VL -> new Mlp(null, linear(weights, b + "mlp.fc1", config.intermediateSize(), width, true),
            linear(weights, b + "mlp.fc2", width, config.intermediateSize(), true), config.act());
        case QWEN3_VL, QWEN3_5 -> new Mlp(null,
            linear(weights, b + "mlp.linear_fc1", config.intermediateSize(), width, true),
            linear(weights, b + "mlp.linear_fc2", width, config.intermediateSize(), true), config.act());
      };
      blocks.add(new Block(norm(weights, b + "norm1", width), norm(weights, b + "norm2", width),
          linear(weights, b + "attn.qkv", 3 * width, width, true), linear(weights, b + "attn.proj", width, width, true),
          mlp));
    }
    merger = qwen3
        ? new Merger(norm(weights, "merger.norm", width), false, linear(weights, "merger.linear_fc1", merged, merged,
            true), linear(weights, "merger.linear_fc2", config.outHiddenSize(), merged, true))
        : new Merger(norm(weights, "merger.ln_q", width), false, linear(weights, "merger.mlp.0", merged, merged, true),
            linear(weights, "merger.mlp.2", config.outHiddenSize(), merged, true));
    for (int j = 0; j < config.deepstackIndexes().length; j++) {
      String d = "deepstack_merger_list." + j + ".";
      deepstack.add(new Merger(norm(weights, d + "norm", merged), true, linear(weights, d + "linear_fc1", merged,
          merged, true), linear(weights, d + "linear_fc2", config.outHiddenSize(), merged, true)));
    }
    inverseFrequencies = Rope.inverseFrequencies(config.ropeTheta(), config.headDim() / 2);
  }

  private static Linear linear(Weights w, String module, int rows, int cols, boolean bias) {
    return new Linear(w.linear(PREFIX + module + ".weight", rows, cols),
        bias ? w.vector(PREFIX + module + ".bias", rows) : null);
  }

  /** Qwen2.5-VL's RMSNorm, else LayerNorm with bias; ε is fixed at 1e-6 in every Qwen vision tower. */
  private Norm norm(Weights w, String module, int dim) {
    float[] weight = w.vector(PREFIX + module + ".weight", dim);
    return variant == QwenVariant.QWEN2_5_VL ? new RmsNorm(weight, EPS)
        : new LayerNorm(weight, w.vector(PREFIX + module + ".bias", dim), EPS);
  }

  /** Encodes every image of {@code pixels}; the features come out one row per image_pad token, in order. */
  VisionFeatures encode(PixelValues pixels, ForwardObserver observer) {
    int n = pixels.rows();
    int width = config.hiddenSize();
    int unit = config.mergeSize() * config.mergeSize();
    if (pixels.cols() != config.patchValues() || pixels.mergeSize() != config.mergeSize()) {
      throw new VlmqException("pixel_values rows hold " + pixels.cols() + " values (merge size "
          + pixels.mergeSize() + ") but this vision tower takes " + config.patchValues() + " (in_channels · "
          + "temporal_patch_size · patch_size², merge size " + config.mergeSize() + "): the image processor settings"
          + " do not match config.json");
    }
    if (n == 0) return VisionFeatures.none(config.outHiddenSize());
    float[] x = new float[n * width];
    patchEmbed.forward(pixels.data(), n, x);
    observer.visionPatchEmbed(new Matrix(x, n, width));
    if (positionEmbedding != null) addPositionEmbedding(pixels.gridThw(), x);

    float[][] cosSin = rotaryTables(pixels.gridThw(), n);
    int[][] fullSegments = segmentsPerFrame(pixels.gridThw(), n);
    int[] windowIndex = null;
    int[][] windowSegments = null;
    if (variant == QwenVariant.QWEN2_5_VL) {
      var windows = Windows.of(pixels.gridThw(), config.mergeSize(), config.windowTokens());
      windowIndex = windows.index();
      windowSegments = windows.segments(n);
      x = permute(x, windowIndex, unit * width);
      cosSin = new float[][] {permute(cosSin[0], windowIndex, unit * config.headDim()),
          permute(cosSin[1], windowIndex, unit * config.headDim())};
    }
    observer.visionBlocksInput(new Matrix(x, n, width));

    var scratch = new BlockScratch(n, width, blocks.isEmpty() ? 0 : blocks.getFirst().mlp.width());
    var deepstackOut = new ArrayList<float[]>();
    for (int i = 0; i < blocks.size(); i++) {
      boolean windowed = windowSegments != null && !contains(config.fullAttentionBlocks(), i);
      block(blocks.get(i), x, n, cosSin, windowed ? windowSegments : fullSegments, scratch);
      observer.visionBlock(i, new Matrix(x, n, width));
      int ds = indexOf(config.deepstackIndexes(), i);
      if (ds >= 0) {
        float[] features = merge(deepstack.get(ds), x, n);
        observer.deepstackFeatures(ds, new Matrix(features, n / unit, config.outHiddenSize()));
        deepstackOut.add(features);
      }
    }
    float[] features = merge(merger, x, n);
    if (windowIndex != null) features = unpermute(features, windowIndex, config.outHiddenSize());
    observer.imageFeatures(new Matrix(features, n / unit, config.outHiddenSize()));
    return new VisionFeatures(features, n / unit, config.outHiddenSize(), deepstackOut);
  }

  /** Per-block buffers, allocated once per image batch. */
  private static final class BlockScratch {
    final float[] normed;
    final float[] qkv;
    final float[] attention;
    final float[] projected;
    final float[] gate;
    final float[] up;

    BlockScratch(int n, int width, int mlpWidth) {
      normed = new float[n * width];
      qkv = new float[n * 3 * width];
      attention = new float[n * width];
      projected = new float[n * width];
      gate = new float[n * mlpWidth];
      up = new float[n * mlpWidth];
    }
  }

  private void block(Block block, float[] x, int n, float[][] cosSin, int[][] segments, BlockScratch s) {
    int width = config.hiddenSize();
    int heads = config.heads();
    int headDim = config.headDim();
    block.norm1.apply(x, n, s.normed);
    block.qkv.forward(s.normed, n, s.qkv);
    for (int r = 0; r < n; r++) {
      for (int h = 0; h < heads; h++) {
        Rope.rotate(s.qkv, r * 3 * width + h * headDim, headDim, cosSin[0], cosSin[1], r * headDim);
        Rope.rotate(s.qkv, r * 3 * width + width + h * headDim, headDim, cosSin[0], cosSin[1], r * headDim);
      }
    }
    Attention.segments(s.qkv, n, heads, headDim, segments[0], segments[1], s.attention);
    block.proj.forward(s.attention, n, s.projected);
    for (int i = 0; i < n * width; i++) x[i] += s.projected[i];

    block.norm2.apply(x, n, s.normed);
    Mlp mlp = block.mlp;
    int m = n * mlp.width();
    mlp.up.forward(s.normed, n, s.up);
    if (mlp.gate != null) {
      mlp.gate.forward(s.normed, n, s.gate);
      for (int i = 0; i < m; i++) s.gate[i] = mlp.act.apply(s.gate[i]) * s.up[i];
    } else {
      for (int i = 0; i < m; i++) s.gate[i] = mlp.act.apply(s.up[i]);
    }
    mlp.down.forward(s.gate, n, s.projected);
    for (int i = 0; i < n * width; i++) x[i] += s.projected[i];
  }

  /** A merger over {@code n} patch rows (M² consecutive rows per output token). */
  private float[] merge(Merger m, float[] x, int n) {
    int groups = n / (config.mergeSize() * config.mergeSize());
    int merged = m.fc1.in();
    float[] normed = new float[n * config.hiddenSize()];
    if (m.normAfterShuffle) {
      m.norm.apply(x, groups, normed);
    } else {
      m.norm.apply(x, n, normed);
    }
    float[] hidden = new float[groups * merged];
    m.fc1.forward(normed, groups, hidden);
    Activation.GELU.apply(hidden, hidden.length);
    float[] out = new float[groups * m.fc2.out()];
    m.fc2.forward(hidden, groups, out);
    return out;
  }

  /**
   * cos and sin {@code [n, headDim]} of every patch row: {@code [h·f | w·f | h·f | w·f]} with the headDim/4
   * frequencies f, h and w the patch's row and column in its image (spec §4.2).
   */
  private float[][] rotaryTables(List<GridThw> grids, int n) {
    int headDim = config.headDim();
    int quarter = headDim / 4;
    float[] cos = new float[n * headDim];
    float[] sin = new float[n * headDim];
    int row = 0;
    int merge = config.mergeSize();
    for (GridThw g : grids) {
      for (int t = 0; t < g.t(); t++) {
        for (int bh = 0; bh < g.h() / merge; bh++) {
          for (int bw = 0; bw < g.w() / merge; bw++) {
            for (int mh = 0; mh < merge; mh++) {
              for (int mw = 0; mw < merge; mw++, row++) {
                float hpos = bh * merge + mh;
                float wpos = bw * merge + mw;
                for (int j = 0; j < quarter; j++) {
                  float angleH = hpos * inverseFrequencies[j];
                  float angleW = wpos * inverseFrequencies[j];
                  for (int copy = 0; copy < 2; copy++) {
                    int at = row * headDim + copy * 2 * quarter;
                    cos[at + j] = (float) Math.cos(angleH);
                    sin[at + j] = (float) Math.sin(angleH);
                    cos[at + quarter + j] = (float) Math.cos(angleW);
                    sin[at + quarter + j] = (float) Math.sin(angleW);
                  }
                }
              }
            }
          }
        }
      }
    }
    checkRows(row, n);
    return new float[][] {cos, sin};
  }

  private static void checkRows(int counted, int n) {
    if (counted != n) {
      throw new VlmqException("pixel_values has " + n + " rows but image_grid_thw describes " + counted + " patches");
    }
  }

  /** Segment start and end of every row when each frame of each image attends only to itself. */
  private static int[][] segmentsPerFrame(List<GridThw> grids, int n) {
    int[] start = new int[n];
    int[] end = new int[n];
    int row = 0;
    for (GridThw g : grids) {
      int frame = g.h() * g.w();
      for (int t = 0; t < g.t(); t++) {
        Arrays.fill(start, row, row + frame, row);
        Arrays.fill(end, row, row + frame, row + frame);
        row += frame;
      }
    }
    return new int[][] {start, end};
  }

  /**
   * Adds Qwen3-VL's learned position embedding, bilinearly resampled (align_corners) from its square grid to each
   * image's patch grid with the float32 arithmetic of transformers' {@code get_vision_interpolation_indices_and_
   * weights}.
   */
  private void addPositionEmbedding(List<GridThw> grids, float[] x) {
    int width = config.hiddenSize();
    int side = (int) Math.round(Math.sqrt(config.numPositionEmbeddings()));
    int merge = config.mergeSize();
    float[][] table = new float[4][width];
    int row = 0;
    for (GridThw g : grids) {
      for (int t = 0; t < g.t(); t++) {
        for (int bh = 0; bh < g.h() / merge; bh++) {
          for (int bw = 0; bw < g.w() / merge; bw++) {
            for (int mh = 0; mh < merge; mh++) {
              for (int mw = 0; mw < merge; mw++, row++) {
                float[] ty = taps(bh * merge + mh, g.h(), side);
                float[] tx = taps(bw * merge + mw, g.w(), side);
                for (int a = 0; a < 2; a++) {
                  for (int b = 0; b < 2; b++) {
                    positionEmbedding.readRow((int) ty[a] * side + (int) tx[b], table[2 * a + b], 0);
                  }
                }
                float[] weight = {ty[2] * tx[2], ty[2] * tx[3], ty[3] * tx[2], ty[3] * tx[3]};
                int off = row * width;
                for (int i = 0; i < width; i++) {
                  float pe = table[0][i] * weight[0] + table[1][i] * weight[1] + table[2][i] * weight[2]
                      + table[3][i] * weight[3];
                  x[off + i] += pe;
                }
              }
            }
          }
        }
      }
    }
  }

  /** The two taps on one axis: {@code {index0, index1, weight0, weight1}}. */
  private static float[] taps(int index, int size, int side) {
    float src = index * (float) (side - 1) / Math.max(size - 1, 1);
    float floor = (float) Math.floor(src);
    int first = (int) floor;
    return new float[] {Math.min(first, side - 1), Math.min(first + 1, side - 1),
        Math.max(0f, 1 - Math.abs(src - floor)), Math.max(0f, 1 - Math.abs(src - floor - 1))};
  }

  /** Rows regrouped by merged token: group j of the result is group {@code index[j]} of {@code x}. */
  private static float[] permute(float[] x, int[] index, int groupSize) {
    float[] out = new float[x.length];
    for (int j = 0; j < index.length; j++) System.arraycopy(x, index[j] * groupSize, out, j * groupSize, groupSize);
    return out;
  }

  /** The inverse of {@link #permute}: row j of {@code y} goes back to row {@code index[j]}. */
  private static float[] unpermute(float[] y, int[] index, int rowSize) {
    float[] out = new float[y.length];
    for (int j = 0; j < index.length; j++) System.arraycopy(y, j * rowSize, out, index[j] * rowSize, rowSize);
    return out;
  }

  private static boolean contains(int[] values, int v) {
    return indexOf(values, v) >= 0;
  }

  private static int indexOf(int[] values, int v) {
    for (int i = 0; i < values.length; i++) {
      if (values[i] == v) return i;
    }
    return -1;
  }
}
