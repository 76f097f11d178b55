package vlmq.engine.tensor;

import java.util.function.Supplier;
import vlmq.numeric.Kernels;

/**
 * {@code x[n, cols] · Wᵀ} for many activation rows (prefill, the vision tower), whatever W's storage: a panel of
 * weight rows is decoded into float32 once, sized to stay in the core's L2 cache, and {@link Kernels#dotF32Block}
 * multiplies every activation row with it, four by four, so each loaded vector feeds four multiply-adds while four
 * activation rows sit in L1. Below {@link #MIN_ROWS} rows the fused per-row kernels of the weight classes are faster.
 */
final class PanelMatmul {
  /** Activation rows from which decoding panels pays off. */
  static final int MIN_ROWS = 8;

  private static final Kernels KERNELS = Kernels.get();
  /** A decoded panel's size: a quarter of a typical per-core L2 cache. */
  private static final int PANEL_BYTES = 256 << 10;

  private PanelMatmul() {}

  /** Writes weight rows {@code [first, first + count)} as float32 into {@code panel[0, count·cols)}. */
  @FunctionalInterface
  interface Decoder {
    void rows(int first, int count, float[] panel);
  }

  /**
   * {@code out[r·rows + o] = Σ_i x[r·cols + i] · W[o, i]}; {@code decoders} makes one decoder per thread (they may
   * hold scratch buffers).
   */
  static void run(int rows, int cols, float[] x, int n, float[] out, Supplier<Decoder> decoders) {
    int panelRows = fours(PANEL_BYTES / (4 * cols), 64);
    Parallel.forRange(rows, (long) cols * n, (chunk, from, to) -> {
      Decoder decoder = decoders.get();
      float[] panel = new float[panelRows * cols];
      for (int p0 = from; p0 < to; p0 += panelRows) {
        int count = Math.min(panelRows, to - p0);
        decoder.rows(p0, count, panel);
        KERNELS.dotF32Block(x, 0, cols, n, panel, 0, cols, count, cols, out, p0, rows);
      }
    });
  }

  /** {@code value} rounded down to a multiple of four, within {@code [4, max]}. */
  private static int fours(int value, int max) {
    return Math.max(4, Math.min(max, value) / 4 * 4);
  }
}
