package vlmq.engine.qwen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import vlmq.VlmqException;
import vlmq.engine.image.GridThw;

/**
 * Qwen2.5-VL's window partition ({@code get_vision_window_index}): each frame's grid of merged tokens is tiled from
 * the top-left with {@code side × side} windows (the last row and column may be partial); windows are visited in
 * raster order and their tokens listed in raster order, giving a permutation of the merged tokens and the window
 * sizes. Windows never straddle frames or images, so the full-attention segments stay contiguous after permuting.
 *
 * @param index merged-token permutation: position j of the window order holds merged token {@code index[j]}
 * @param windowTokens merged tokens per window, in window order
 */
record Windows(int[] index, int[] windowTokens, int mergeUnit) {
  static Windows of(List<GridThw> grids, int mergeSize, int side) {
    if (side < 1) {
      throw new VlmqException("config.json: window_size must cover at least one merged token (patch_size · "
          + "spatial_merge_size pixels)");
    }
    int total = 0;
    for (GridThw g : grids) total += g.tokens(mergeSize);
    int[] index = new int[total];
    var sizes = new ArrayList<Integer>();
    int k = 0;
    int offset = 0;
    for (GridThw g : grids) {
      int lh = g.h() / mergeSize;
      int lw = g.w() / mergeSize;
      for (int t = 0; t < g.t(); t++) {
        for (int wy = 0; wy < lh; wy += side) {
          for (int wx = 0; wx < lw; wx += side) {
            int before = k;
            for (int y = wy; y < Math.min(wy + side, lh); y++) {
              for (int x = wx; x < Math.min(wx + side, lw); x++) index[k++] = offset + (t * lh + y) * lw + x;
            }
            sizes.add(k - before);
          }
        }
      }
      offset += g.t() * lh * lw;
    }
    return new Windows(index, sizes.stream().mapToInt(Integer::intValue).toArray(), mergeSize * mergeSize);
  }

  /** The window (start, end) in patch rows of each of the {@code n} permuted patch rows. */
  int[][] segments(int n) {
    int[] start = new int[n];
    int[] end = new int[n];
    int row = 0;
    for (int tokens : windowTokens) {
      int rows = tokens * mergeUnit;
      Arrays.fill(start, row, row + rows, row);
      Arrays.fill(end, row, row + rows, row + rows);
      row += rows;
    }
    return new int[][] {start, end};
  }
}
