package vlmq.engine.qwen;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Agreement between an engine activation and transformers' reference, and the table of every comparison a test
 * class made (printed once at the end, for the report).
 */
final class Parity {
  /** Elements smaller than this fraction of the tensor's largest are left out of the element-wise error. */
  private static final double TINY = 1e-3;

  private final List<String> rows = new ArrayList<>();

  /**
   * {@code max|a − b| / max|b|} over the tensor, and the largest {@code |a − b| / |b|} among elements with
   * {@code |b| ≥ 1e-3 · max|b|}.
   */
  record Error(double maxRelative, double elementwise) {
    static Error of(float[] actual, float[] expected) {
      if (actual.length != expected.length) {
        throw new AssertionError("length " + actual.length + " vs reference " + expected.length);
      }
      double maxRef = 0;
      double maxDiff = 0;
      for (int i = 0; i < expected.length; i++) {
        if (!Float.isFinite(actual[i])) return new Error(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
        maxRef = Math.max(maxRef, Math.abs(expected[i]));
        maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - expected[i]));
      }
      double elementwise = 0;
      for (int i = 0; i < expected.length; i++) {
        double ref = Math.abs(expected[i]);
        if (ref >= TINY * maxRef && ref > 0) {
          elementwise = Math.max(elementwise, Math.abs(actual[i] - expected[i]) / ref);
        }
      }
      return new Error(maxRef == 0 ? maxDiff : maxDiff / maxRef, elementwise);
    }
  }

  synchronized void add(String model, String input, String stage, Error e) {
    rows.add(String.format(Locale.ROOT, "| %-18s | %-15s | %-18s | %9.2e | %9.2e |", model, input, stage,
        e.maxRelative, e.elementwise));
  }

  synchronized void note(String model, String input, String stage, String value) {
    rows.add(String.format(Locale.ROOT, "| %-18s | %-15s | %-18s | %21s |", model, input, stage, value));
  }

  synchronized void print(String title) {
    System.out.println("\n" + title);
    System.out.println("| model              | input           | stage              | max rel   | elem rel  |");
    System.out.println("|--------------------|-----------------|--------------------|-----------|-----------|");
    rows.forEach(System.out::println);
  }
}
