package vlmq.engine.qwen;

import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Chooses each generated token from the logits of the last position, as transformers' {@code generate} does with
 * its logits processors: {@link #greedy()} is {@code do_sample=False}; {@link #of} adds the repetition penalty and,
 * with a positive temperature, temperature / top-k / top-p sampling.
 */
@FunctionalInterface
public interface Sampler {
  /**
   * The next token for {@code logits} (one per vocabulary entry; the sampler may change them in place), after the
   * tokens {@code sequence[0, length)}: the prompt (image_pad tokens expanded) and what was generated so far.
   */
  int next(float[] logits, int[] sequence, int length);

  /** The arg-max token, the lowest id on ties. */
  static Sampler greedy() {
    return (logits, sequence, length) -> argmax(logits);
  }

  /**
   * transformers' processors in its order: the repetition penalty over every token of the sequence (a logit l of a
   * token already present becomes {@code l / penalty} when positive, {@code l · penalty} otherwise), then, when
   * {@code temperature > 0}, division by the temperature, top-k (0: off) and top-p (1: off) filtering and a draw
   * from the softmax of what is left, seeded; {@code temperature == 0} picks the arg-max.
   */
  static Sampler of(double temperature, int topK, double topP, double repetitionPenalty, long seed) {
    if (!(temperature >= 0) || topK < 0 || !(topP > 0 && topP <= 1) || !(repetitionPenalty > 0)) {
      throw new IllegalArgumentException("sampling needs temperature ≥ 0, top-k ≥ 0, top-p in (0, 1] and a "
          + "positive repetition penalty, not " + temperature + ", " + topK + ", " + topP + ", " + repetitionPenalty);
    }
    var random = new SplittableRandom(seed);
    return new Sampler() {
      private final BitSet seen = new BitSet();
      private long[] order = new long[0];
      private float[] probabilities = new float[0];

      @Override
      public int next(float[] logits, int[] sequence, int length) {
        if (repetitionPenalty != 1) penalise(logits, sequence, length, (float) repetitionPenalty, seen);
        if (temperature == 0) return argmax(logits);
        if (order.length != logits.length) {
          order = new long[logits.length];
          probabilities = new float[logits.length];
        }
        return draw(logits, (float) temperature, topK, topP, random.nextDouble(), order, probabilities);
      }
    };
  }

  private static int argmax(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) best = i;
    }
    return best;
  }

  /** Each distinct token of the sequence once, as transformers' gather/scatter does. */
  private static void penalise(float[] logits, int[] sequence, int length, float penalty, BitSet seen) {
    seen.clear();
    for (int i = 0; i < length; i++) {
      int t = sequence[i];
      if (t < 0 || t >= logits.length || seen.get(t)) continue;
      seen.set(t);
      logits[t] = logits[t] < 0 ? logits[t] * penalty : logits[t] / penalty;
    }
  }

  /**
   * A draw from the tokens left after temperature, top-k and top-p, {@code u} uniform in [0, 1): the candidates
   * sorted by logit (ties by id), the smallest prefix whose probability reaches top-p kept (at least one token).
   * Tokens more than e⁴⁰ less likely than the best are left out before sorting: together they weigh less than
   * float rounding of the rest.
   */
  private static int draw(float[] logits, float temperature, int topK, double topP, double u, long[] order,
      float[] probabilities) {
    float max = logits[argmax(logits)] / temperature;
    int candidates = 0;
    for (int i = 0; i < logits.length; i++) {
      if (logits[i] / temperature - max > -40) order[candidates++] = sortKey(logits[i], i);
    }
    Arrays.sort(order, 0, candidates);
    int kept = topK > 0 ? Math.min(topK, candidates) : candidates;
    double sum = 0;
    for (int i = 0; i < kept; i++) {
      probabilities[i] = (float) Math.exp(logits[(int) order[i]] / temperature - max);
      sum += probabilities[i];
    }
    if (topP < 1) {
      double cumulative = 0;
      for (int i = 0; i < kept; i++) {
        cumulative += probabilities[i] / sum;
        if (cumulative >= topP) {
          kept = i + 1;
          break;
        }
      }
      sum = 0;
      for (int i = 0; i < kept; i++) sum += probabilities[i];
    }
    double target = u * sum;
    double cumulative = 0;
    for (int i = 0; i < kept; i++) {
      cumulative += probabilities[i];
      if (target < cumulative) return (int) order[i];
    }
    return (int) order[kept - 1];
  }

  /** A long that sorts ascending as (logit descending, id ascending); the id is its low 32 bits. */
  private static long sortKey(float logit, int id) {
    int bits = Float.floatToIntBits(logit);
    int ordered = bits ^ ((bits >> 31) & 0x7fffffff);
    return ((long) ~ordered << 32) | id;
  }
}
