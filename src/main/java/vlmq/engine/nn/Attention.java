package vlmq.engine.nn;

import vlmq.engine.tensor.Parallel;
import vlmq.numeric.Kernels;

/**
 * Scaled dot-product attention as transformers' eager path computes it: scores {@code q·k · d^-½}, a float32 softmax
 * ({@code exp(s − max) / Σ}), then the probability-weighted sum of values. Query rows go in blocks of up to four that
 * share their keys, so the scores are one {@link Kernels#dotF32Block} and the weighted sum one
 * {@link Kernels#matmulF32}; (head, block) pairs are spread over {@link Parallel}.
 */
public final class Attention {
  private static final Kernels KERNELS = Kernels.get();
  /** Query rows per block: the kernels' register block. */
  private static final int BLOCK = 4;

  private Attention() {}

  /**
   * Bidirectional attention inside segments (the vision tower's frames or windows): query row i attends to the keys
   * of its segment {@code [segmentStart[i], segmentEnd[i])}. {@code qkv} rows hold {@code [q | k | v]}, each
   * {@code heads·headDim} wide; {@code out} gets {@code [n, heads·headDim]}.
   */
  public static void segments(float[] qkv, int n, int heads, int headDim, int[] segmentStart, int[] segmentEnd,
      float[] out) {
    int width = heads * headDim;
    int stride = 3 * width;
    // Blocks of up to four consecutive rows of one segment.
    int[] blockStart = new int[n];
    int blocks = 0;
    int maxSegment = 0;
    for (int i = 0; i < n; i++) {
      maxSegment = Math.max(maxSegment, segmentEnd[i] - segmentStart[i]);
      int first = blocks == 0 ? -1 : blockStart[blocks - 1];
      if (first < 0 || i - first == BLOCK || segmentStart[i] != segmentStart[first]) blockStart[blocks++] = i;
    }
    int blockCount = blocks;
    int scoresPerBlock = BLOCK * maxSegment;
    float scale = (float) (1 / Math.sqrt(headDim));
    Parallel.forRange(blockCount * heads, (long) maxSegment * headDim * 2 * BLOCK, (chunk, from, to) -> {
      float[] scores = new float[scoresPerBlock];
      for (int item = from; item < to; item++) {
        int b = item / heads;
        int head = item % heads;
        int r0 = blockStart[b];
        int rows = (b + 1 < blockCount ? blockStart[b + 1] : n) - r0;
        int first = segmentStart[r0];
        int len = segmentEnd[r0] - first;
        int column = head * headDim;
        KERNELS.dotF32Block(qkv, r0 * stride + column, stride, rows, qkv, first * stride + width + column, stride, len,
            headDim, scores, 0, len);
        for (int r = 0; r < rows; r++) softmax(scores, r * len, len, len, scale);
        KERNELS.matmulF32(scores, 0, len, rows, qkv, first * stride + 2 * width + column, stride, len, headDim, out,
            r0 * width + column, width);
      }
    });
  }

  /**
   * Causal grouped-query attention over a KV cache: query row i (at absolute position {@code start + i}) of head h
   * attends to cached positions {@code [0, start + i]} of kv head {@code h / (heads / kvHeads)}. {@code q} is
   * {@code [n, heads·headDim]}; {@code keys}/{@code values} are {@code [positions, kvHeads·headDim]};
   * {@code scratch} holds {@link Parallel#chunks()} slices of {@code start + n} floats, enough for one query row per
   * chunk: a single row (decoding) allocates nothing, blocks of rows take their own.
   */
  public static void causal(float[] q, int n, int start, float[] keys, float[] values, int heads, int kvHeads,
      int headDim, float[] scratch, float[] out) {
    int width = heads * headDim;
    int kvWidth = kvHeads * headDim;
    int group = heads / kvHeads;
    int slice = start + n;
    int blocks = Math.ceilDiv(n, BLOCK);
    float scale = (float) (1 / Math.sqrt(headDim));
    Parallel.forRange(blocks * heads, (long) slice * headDim * 2 * Math.min(n, BLOCK), (chunk, from, to) -> {
      float[] scores = n == 1 ? scratch : new float[BLOCK * slice];
      int base = n == 1 ? chunk * slice : 0;
      for (int item = from; item < to; item++) {
        int r0 = item / heads * BLOCK;
        int head = item % heads;
        int rows = Math.min(BLOCK, n - r0);
        int len = start + r0 + rows; // keys of the block's last row; earlier rows see fewer
        int kv = (head / group) * headDim;
        KERNELS.dotF32Block(q, r0 * width + head * headDim, width, rows, keys, kv, kvWidth, len, headDim, scores, base,
            len);
        for (int r = 0; r < rows; r++) softmax(scores, base + r * len, start + r0 + r + 1, len, scale);
        KERNELS.matmulF32(scores, base, len, rows, values, kv, kvWidth, len, headDim, out, r0 * width + head * headDim,
            width);
      }
    });
  }

  /**
   * Scales the dot products {@code x[off, off + n)} and replaces them by their softmax, the sum accumulated in double;
   * {@code x[off + n, off + padded)} (keys a row may not see) become 0.
   */
  static void softmax(float[] x, int off, int n, int padded, float scale) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = off; i < off + n; i++) {
      x[i] *= scale;
      max = Math.max(max, x[i]);
    }
    double sum = 0;
    for (int i = off; i < off + n; i++) {
      x[i] = (float) Math.exp(x[i] - max);
      sum += x[i];
    }
    float total = (float) sum;
    for (int i = off; i < off + n; i++) x[i] /= total;
    for (int i = off + n; i < off + padded; i++) x[i] = 0f;
  }
}
