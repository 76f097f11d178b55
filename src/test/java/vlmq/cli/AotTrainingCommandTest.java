package vlmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The launcher records the AOT cache from this run and ignores its output, so it must pass quietly on its own. */
class AotTrainingCommandTest {
  @Test
  void quantizesTheDemoModelWithEveryTrainedSchemeQuietly() {
    var run = CliRun.of("aot-training");
    assertThat(run.err()).isEmpty();
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEmpty();
  }
}
