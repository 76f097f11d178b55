package vlmq.engine.qwen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

/** The sampler against the definitions of transformers' logits processors, and seeded draws against softmax. */
class SamplerTest {
  private static final int[] NO_HISTORY = new int[0];

  @Test
  void greedyTakesTheLowestIdAmongEqualMaxima() {
    assertThat(Sampler.greedy().next(new float[] {1, 3, 3, 2}, NO_HISTORY, 0)).isEqualTo(1);
  }

  /** A positive logit is divided by the penalty, a negative one multiplied; each distinct token once. */
  @Test
  void theRepetitionPenaltyFollowsTransformersDefinition() {
    Sampler penalty = Sampler.of(0, 0, 1, 1.5, 0);
    assertThat(penalty.next(new float[] {3, -1, 2.5f}, new int[] {0}, 1)).isEqualTo(2);
    assertThat(penalty.next(new float[] {-1, -1.2f}, new int[] {0}, 1)).isEqualTo(1);
    float[] logits = {3, 2.5f};
    assertThat(Sampler.of(0, 0, 1, 1.1, 0).next(logits, new int[] {0, 0, 0, 7}, 3)).isZero();
    assertThat(logits[0]).isEqualTo(3 / 1.1f);
    assertThat(penalty.next(new float[] {3, 2.5f}, new int[] {0}, 0)).as("only the first length tokens count")
        .isZero();
  }

  private static double[] frequencies(Sampler sampler, float[] logits, int draws) {
    double[] counts = new double[logits.length];
    for (int i = 0; i < draws; i++) counts[sampler.next(logits.clone(), NO_HISTORY, 0)]++;
    for (int i = 0; i < counts.length; i++) counts[i] /= draws;
    return counts;
  }

  private static float[] logitsOf(double... probabilities) {
    float[] logits = new float[probabilities.length];
    for (int i = 0; i < logits.length; i++) logits[i] = (float) Math.log(probabilities[i]);
    return logits;
  }

  @Test
  void drawsFollowTheSoftmaxAtTheTemperature() {
    float[] logits = logitsOf(0.6, 0.3, 0.1);
    assertThat(frequencies(Sampler.of(1, 0, 1, 1, 42), logits, 20000))
        .containsExactly(new double[] {0.6, 0.3, 0.1}, offset(0.015));
    // temperature 1/2 squares the probabilities: 0.36, 0.09, 0.01 over 0.46
    assertThat(frequencies(Sampler.of(0.5, 0, 1, 1, 42), logits, 20000))
        .containsExactly(new double[] {0.36 / 0.46, 0.09 / 0.46, 0.01 / 0.46},
            offset(0.015));
  }

  /** top-p keeps the smallest most likely set reaching p; top-k the k most likely. */
  @Test
  void topPAndTopKCutTheTail() {
    float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
    assertThat(frequencies(Sampler.of(1, 0, 0.75, 1, 3), logits, 20000))
        .containsExactly(new double[] {0.625, 0.375, 0, 0}, offset(0.015));
    assertThat(frequencies(Sampler.of(1, 3, 1, 1, 3), logits, 20000))
        .containsExactly(new double[] {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0},
            offset(0.015));
    assertThat(frequencies(Sampler.of(5, 1, 1, 1, 3), logits, 200)).containsExactly(1, 0, 0, 0);
  }

  @Test
  void theSameSeedDrawsTheSameTokens() {
    float[] logits = logitsOf(0.25, 0.25, 0.25, 0.25);
    Sampler a = Sampler.of(1, 0, 1, 1, 11);
    Sampler b = Sampler.of(1, 0, 1, 1, 11);
    for (int i = 0; i < 50; i++) {
      assertThat(a.next(logits.clone(), NO_HISTORY, 0)).isEqualTo(b.next(logits.clone(), NO_HISTORY, 0));
    }
  }

  @Test
  void settingsOutsideTheirRangesAreRefused() {
    assertThatThrownBy(() -> Sampler.of(-1, 0, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Sampler.of(1, 0, 0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Sampler.of(1, 0, 1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
