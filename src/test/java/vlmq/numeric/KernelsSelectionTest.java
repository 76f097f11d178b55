package vlmq.numeric;

import static org.assertj.core.api.Assertions.assertThat;

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
}
