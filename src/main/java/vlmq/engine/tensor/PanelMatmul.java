package vlmq.engine.tensor;

import java.util.function.Supplier;
import vlmq.numeric.Kernels;

/**
 * {@code x[n, cols] · Wᵀ} for many activation rows (prefill, the vision tower), whatever W's storage: a few weight
 * rows at a time are decoded into a float32 panel that stays in cache, and {@link Kernels#dotF32Block} multiplies it
 * with a block of activation rows, four by four, so every loaded vector feeds four multiply-adds. Each weight row is
 * decoded once per block of activation rows, which for prefill-sized blocks costs a few percent of the products.
 * Below {@link #MIN_ROWS} rows the fused per-row kernels of the weight classes are faster.
 */
final class PanelMatmul {
  /** Activation rows from which decoding panels pays off. */
  static final int MIN_ROWS = 8;

  private static final Kernels KERNELS = Kernels.get();
  /** The activation block and the weight panel are sized to share the per-core cache. */
  private static final int ACTIVATION_BLOCK_BYTES = 256 << 10;
  private static final int PANEL_BYTES = 64 << 10;

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
    int block = fours(ACTIVATION_BLOCK_BYTES / (4 * cols), 64);
    int panelRows = fours(PANEL_BYTES / (4 * cols), 32);
    Parallel.forRange(rows, (long) cols * n, (chunk, from, to) -> {
      Decoder decoder = decoders.get();
      float[] panel = new float[panelRows * cols];
      for (int r0 = 0; r0 < n; r0 += block) {
        int rs = Math.min(block, n - r0);
        for (int p0 = from; p0 < to; p0 += panelRows) {
          int count = Math.min(panelRows, to - p0);
          decoder.rows(p0, count, panel);
          KERNELS.dotF32Block(x, r0 * cols, cols, rs, panel, 0, cols, count, cols, out, r0 * rows + p0, rows);
        }
      }
    });
  }

  /** {@code value} rounded down to a multiple of four, within {@code [4, max]}. */
  private static int fours(int value, int max) {
    return Math.max(4, Math.min(max, value) / 4 * 4);
  }
}
