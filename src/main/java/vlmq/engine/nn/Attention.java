package vlmq.engine.nn;

import java.util.Arrays;
import java.util.stream.IntStream;
import vlmq.engine.tensor.Parallel;
import vlmq.numeric.Kernels;

/**
 * Scaled dot-product attention as transformers' eager path computes it: scores {@code q·k · d^-½}, a float32 softmax
 * ({@code exp(s − max) / Σ}), then the probability-weighted sum of values. Heads and query rows are spread over
 * {@link Parallel}; each chunk keeps its scores in its own slice of a caller-provided scratch array.
 */
public final class Attention {
  private static final Kernels KERNELS = Kernels.get();

  private Attention() {}

  /**
   * Bidirectional attention inside segments (the vision tower's frames or windows): query row i attends to the keys
   * of its segment {@code [segmentStart[i], segmentEnd[i])}. {@code qkv} rows hold {@code [q | k | v]}, each
   * {@code heads·headDim} wide; {@code out} gets {@code [n, heads·headDim]}.
   */
  public static void segments(float[] qkv, int n, int heads, int headDim, int[] segmentStart, int[] segmentEnd,
      float[] out) {
    int width = heads * headDim;
    int maxSegment = IntStream.range(0, n).map(i -> segmentEnd[i] - segmentStart[i]).max().orElse(0);
    float[] scratch = new float[Parallel.chunks() * maxSegment];
    float scale = (float) (1 / Math.sqrt(headDim));
    int segmentWork = maxSegment * headDim * 2;
    Parallel.forRange(n * heads, segmentWork, (chunk, from, to) -> {
      int scores = chunk * maxSegment;
      for (int item = from; item < to; item++) {
        int row = item / heads;
        int head = item % heads;
        int first = segmentStart[row] * 3 * width + head * headDim;
        attend(qkv, row * 3 * width + head * headDim, qkv, first + width, qkv, first + 2 * width, 3 * width,
            segmentEnd[row] - segmentStart[row], headDim, scale, scratch, scores, out, row * width + head * headDim);
      }
    });
  }

  /**
   * Causal grouped-query attention over a KV cache: query row i (at absolute position {@code start + i}) of head h
   * attends to cached positions {@code [0, start + i]} of kv head {@code h / (heads / kvHeads)}. {@code q} is
   * {@code [n, heads·headDim]}; {@code keys}/{@code values} are {@code [positions, kvHeads·headDim]};
   * {@code scratch} holds {@link Parallel#chunks()} slices of {@code start + n} floats.
   */
  public static void causal(float[] q, int n, int start, float[] keys, float[] values, int heads, int kvHeads,
      int headDim, float[] scratch, float[] out) {
    int width = heads * headDim;
    int kvWidth = kvHeads * headDim;
    int group = heads / kvHeads;
    int slice = start + n;
    float scale = (float) (1 / Math.sqrt(headDim));
    Parallel.forRange(n * heads, (long) slice * headDim * 2, (chunk, from, to) -> {
      int scores = chunk * slice;
      for (int item = from; item < to; item++) {
        int row = item / heads;
        int head = item % heads;
        int kv = (head / group) * headDim;
        attend(q, row * width + head * headDim, keys, kv, values, kv, kvWidth, start + row + 1, headDim, scale,
            scratch, scores, out, row * width + head * headDim);
      }
    });
  }

  /**
   * One head of one query row: key and value t sit at {@code kBase + t·stride} and {@code vBase + t·stride} for
   * {@code t < len}.
   */
  private static void attend(float[] q, int qOff, float[] keys, int kBase, float[] values, int vBase, int stride,
      int len, int headDim, float scale, float[] scores, int sOff, float[] out, int outOff) {
    for (int t = 0; t < len; t++) {
      scores[sOff + t] = KERNELS.dot(q, qOff, keys, kBase + t * stride, headDim) * scale;
    }
    softmax(scores, sOff, len);
    Arrays.fill(out, outOff, outOff + headDim, 0f);
    for (int t = 0; t < len; t++) {
      float p = scores[sOff + t];
      int v = vBase + t * stride;
      for (int d = 0; d < headDim; d++) out[outOff + d] += p * values[v + d];
    }
  }

  /** {@code x ← exp(x − max) / Σ exp(x − max)} over {@code x[off, off + n)}, the sum accumulated in double. */
  static void softmax(float[] x, int off, int n) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = off; i < off + n; i++) max = Math.max(max, x[i]);
    double sum = 0;
    for (int i = off; i < off + n; i++) {
      x[i] = (float) Math.exp(x[i] - max);
      sum += x[i];
    }
    float total = (float) sum;
    for (int i = off; i < off + n; i++) x[i] /= total;
  }
}
