package vlmq.numeric;

import java.lang.reflect.InvocationTargetException;
import java.util.Optional;

/**
 * Picks the {@link Kernels} implementation once, lazily (holder idiom), and loads the Panama one reflectively so that
 * nothing outside {@code vlmq.numeric.panama} links against {@code jdk.incubator.vector}.
 */
final class KernelsLoader {
  private static final String VECTOR_MODULE = "jdk.incubator.vector";
  private static final String PANAMA_CLASS = "vlmq.numeric.panama.PanamaKernels";

  static final Kernels BEST = select(System.getProperty("vlmq.simd", "auto"));

  private KernelsLoader() {}

  private static Kernels select(String mode) {
    switch (mode) {
      case "scalar":
        return ScalarKernels.INSTANCE;
      case "panama":
        try {
          return loadPanama(0);
        } catch (UnsupportedOperationException e) {
          System.err.println("vlmq: -Dvlmq.simd=panama requested but unavailable (" + e.getMessage()
              + "); using scalar kernels");
          return ScalarKernels.INSTANCE;
        }
      case "auto":
        return panama(0).orElse(ScalarKernels.INSTANCE);
      default:
        System.err.println("vlmq: unknown -Dvlmq.simd=" + mode + " (expected auto, scalar or panama); using auto");
        return panama(0).orElse(ScalarKernels.INSTANCE);
    }
  }

  static Optional<Kernels> panama(int bits) {
    try {
      return Optional.of(loadPanama(bits));
    } catch (UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  /** The Panama kernels, or UnsupportedOperationException saying why they cannot run here. */
  private static Kernels loadPanama(int bits) {
    if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
      throw new UnsupportedOperationException("module " + VECTOR_MODULE + " not in the boot layer; start java with"
          + " --add-modules " + VECTOR_MODULE);
    }
    try {
      return (Kernels) Class.forName(PANAMA_CLASS).getMethod("create", int.class).invoke(null, bits);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof UnsupportedOperationException u) throw u;
      if (e.getCause() instanceof IllegalArgumentException a) throw a;
      throw new UnsupportedOperationException(String.valueOf(e.getCause()), e.getCause());
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new UnsupportedOperationException(e.toString(), e);
    }
  }
}
