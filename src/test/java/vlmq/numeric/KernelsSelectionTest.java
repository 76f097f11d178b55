package vlmq.numeric;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@link Kernels#get()} follows the surefire pass: scalar under {@code -Dvlmq.simd=scalar} (no incubator module), the
 * CPU's widest Panama kernels when {@code jdk.incubator.vector} is in the boot layer.
 */
class KernelsSelectionTest {
  private static boolean vectorModulePresent() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  @Test
  void selectedImplementationMatchesThePass() {
    if ("scalar".equals(System.getProperty("vlmq.simd")) || !vectorModulePresent()) {
      assertThat(Kernels.get()).isSameAs(Kernels.scalar());
    } else {
      assertThat(Kernels.get().name()).startsWith("panama-");
      assertThat(Kernels.get().name()).isEqualTo(Kernels.panama(0).orElseThrow().name());
    }
  }

  @Test
  void panamaIsOfferedExactlyWhenTheModuleIsPresent() {
    assertThat(Kernels.panama(128).isPresent()).isEqualTo(vectorModulePresent());
    assertThat(Kernels.scalar().name()).isEqualTo("scalar");
  }

  @Test
  void explicitPanamaRequestFallsBackWithOneNoteOnlyWhenUnavailable() {
    StringBuilder err = new StringBuilder();
    Kernels chosen = capturingStderr(() -> KernelsLoader.select("panama"), err);
    if (vectorModulePresent()) {
      assertThat(chosen.name()).startsWith("panama-");
      assertThat(err).isEmpty();
    } else {
      assertThat(chosen).isSameAs(Kernels.scalar());
      assertThat(err.toString().lines()).singleElement().asString()
          .contains("-Dvlmq.simd=panama", "--add-modules jdk.incubator.vector");
    }
  }

  @Test
  void scalarAndAutoModesAreSilent() {
    StringBuilder err = new StringBuilder();
    assertThat(capturingStderr(() -> KernelsLoader.select("scalar"), err)).isSameAs(Kernels.scalar());
    Kernels auto = capturingStderr(() -> KernelsLoader.select("auto"), err);
    assertThat(auto.name()).isEqualTo(vectorModulePresent() ? Kernels.panama(0).orElseThrow().name() : "scalar");
    assertThat(err).isEmpty();
  }

  private static Kernels capturingStderr(Supplier<Kernels> action, StringBuilder into) {
    PrintStream original = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      return action.get();
    } finally {
      System.setErr(original);
      into.append(bytes.toString(StandardCharsets.UTF_8));
    }
  }
}
