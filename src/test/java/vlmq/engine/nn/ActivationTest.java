package vlmq.engine.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import vlmq.VlmqException;

/** The activations against their definitions, computed independently here in double precision. */
class ActivationTest {
  /** erf by its Maclaurin series, exact to double rounding for |x| ≤ 3. */
  private static double erfSeries(double x) {
    double sum = 0;
    double term = x;
    for (int n = 0; n < 200; n++) {
      sum += term / (2 * n + 1);
      term *= -x * x / (n + 1);
    }
    return 2 / Math.sqrt(Math.PI) * sum;
  }

  @Test
  void erfcIsAccurateToFloatPrecision() {
    for (double x = -3; x <= 3; x += 0.0137) {
      double exact = 1 - erfSeries(x);
      assertThat(Activation.erfc(x)).as("erfc(%s)", x).isCloseTo(exact, within(1.2e-7 * exact));
    }
  }

  @Test
  void activationsFollowTheirDefinitions() {
    for (float x = -8; x <= 8; x += 0.173f) {
      double sigmoid = 1 / (1 + Math.exp(-x));
      double tolerance = 4e-7 * Math.max(1, Math.abs(x));
      assertThat((double) Activation.SILU.apply(x)).isCloseTo(x * sigmoid, within(tolerance));
      assertThat((double) Activation.QUICK_GELU.apply(x)).isCloseTo(x / (1 + Math.exp(-1.702 * x)), within(tolerance));
      if (Math.abs(x) <= 4) {
        assertThat((double) Activation.GELU.apply(x)).isCloseTo(0.5 * x * (1 + erfSeries(x / Math.sqrt(2))),
            within(tolerance));
      }
      double inner = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
      assertThat((double) Activation.GELU_TANH.apply(x)).isCloseTo(0.5 * x * (1 + Math.tanh(inner)),
          within(tolerance));
    }
  }

  @Test
  void namesFollowTransformersHiddenAct() {
    assertThat(Activation.of("silu")).isEqualTo(Activation.SILU);
    assertThat(Activation.of("quick_gelu")).isEqualTo(Activation.QUICK_GELU);
    assertThat(Activation.of("gelu_pytorch_tanh")).isEqualTo(Activation.GELU_TANH);
    assertThat(Activation.of("gelu")).isEqualTo(Activation.GELU);
    assertThatThrownBy(() -> Activation.of("relu2")).isInstanceOf(VlmqException.class).hasMessageContaining("relu2");
  }
}
