package vlmq.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** vLLM's dynamic activation quantization on rows whose results follow from the formulas by hand. */
class ActivationQuantizerTest {
  @Test
  void fp8PerTokenScalesEachRowToItsMaximum() {
    float[] x = {448f, 1f, -0.3f, 0f, 896f, 2f, -0.6f, 0f, 1e-9f, 0f, 0f, 0f};
    float[] out = new float[x.length];
    new ActivationQuantizer.Fp8PerToken().apply(x, 3, 4, out);
    // row 0: scale 1, -0.3 lies 9.6 steps of 2^-5 above 0.25 and rounds to 0.3125; row 1: scale 2, the same codes;
    // row 2: the scale floor 1/(448·512) leaves 1e-9 below E4M3's smallest subnormal
    assertThat(out).containsExactly(448f, 1f, -0.3125f, 0f, 896f, 2f, -0.625f, 0f, 0f, 0f, 0f, 0f);
  }

  @Test
  void fp8PerGroupGivesEachGroupItsOwnScale() {
    float[] x = {448f, 1f, 0.5f, 0.25f, 3f};
    float[] out = new float[x.length];
    new ActivationQuantizer.Fp8PerGroup(2).apply(x, 1, 5, out);
    assertThat(out[0]).isEqualTo(448f);
    assertThat(out[1]).isEqualTo(1f);
    assertThat(out[2]).isCloseTo(0.5f, within(1e-6f));
    assertThat(out[3]).isCloseTo(0.25f, within(1e-6f));
    assertThat(out[4]).as("a last, shorter group").isCloseTo(3f, within(1e-6f));
  }

  @Test
  void int8PerTokenRoundsHalfToEvenAndKeepsZeroRowsZero() {
    float[] x = {127f, -63.4f, 0.5f, 1.5f, -254f, 3f, 1f, 0f, 0f, 0f, 0f, 0f};
    float[] out = new float[x.length];
    new ActivationQuantizer.Int8PerToken().apply(x, 3, 4, out);
    // row 1: scale 2, so 3 → 1.5 → 2 (even) → 4, and 1 → 0.5 → 0
    assertThat(out).containsExactly(127f, -63f, 0f, 2f, -254f, 4f, 0f, 0f, 0f, 0f, 0f, 0f);
  }
}
