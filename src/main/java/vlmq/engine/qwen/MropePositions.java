package vlmq.engine.qwen;

import java.util.List;
import vlmq.VlmqException;
import vlmq.engine.image.GridThw;

/**
 * The 3-row (temporal, height, width) M-RoPE positions of a prompt, transformers' {@code get_rope_index} for text and
 * images (spec §5.2): a text run counts on all three rows; the image_pad tokens of an image with an {@code lh × lw}
 * merged grid get {@code T = cur}, {@code H = cur + row}, {@code W = cur + col}, after which the count resumes at
 * {@code cur + max(lh, lw)}. Generated tokens continue at {@code index + ropeDelta} on every row.
 *
 * @param rows {@code [3][sequence]}: temporal, height, width
 * @param ropeDelta {@code max(position) + 1 − sequence}
 */
public record MropePositions(int[][] rows, int ropeDelta) {
  /**
   * Positions of {@code inputIds} (image_pad already expanded), the images' grids consumed in order by the
   * image_pad runs.
   */
  public static MropePositions of(int[] inputIds, List<GridThw> grids, int imageTokenId, int mergeSize) {
    int n = inputIds.length;
    int[][] rows = new int[3][n];
    int cur = 0;
    int max = -1;
    int image = 0;
    int i = 0;
    while (i < n) {
      if (inputIds[i] != imageTokenId) {
        for (int r = 0; r < 3; r++) rows[r][i] = cur;
        max = Math.max(max, cur);
        cur++;
        i++;
        continue;
      }
      if (image == grids.size()) {
        throw new VlmqException("the prompt has more image_pad tokens (id " + imageTokenId + ") than the "
            + grids.size() + " image(s) provide");
      }
      GridThw g = grids.get(image++);
      int lh = g.h() / mergeSize;
      int lw = g.w() / mergeSize;
      if (i + g.tokens(mergeSize) > n) {
        throw new VlmqException("image " + image + " needs " + g.tokens(mergeSize) + " image_pad tokens but the "
            + "prompt ends first");
      }
      for (int t = 0; t < g.t(); t++) {
        for (int y = 0; y < lh; y++) {
          for (int x = 0; x < lw; x++, i++) {
            if (inputIds[i] != imageTokenId) {
              throw new VlmqException("image " + image + " needs " + g.tokens(mergeSize) + " consecutive image_pad "
                  + "tokens but its run is shorter");
            }
            rows[0][i] = cur + t;
            rows[1][i] = cur + y;
            rows[2][i] = cur + x;
            max = Math.max(max, Math.max(cur + t, cur + Math.max(y, x)));
          }
        }
      }
      cur += Math.max(lh, lw);
    }
    if (image != grids.size()) {
      throw new VlmqException(grids.size() + " image(s) given but the prompt's image_pad tokens cover only " + image);
    }
    return new MropePositions(rows, max + 1 - n);
  }

  /** The positions of one generated token at sequence index {@code index}: {@code index + ropeDelta} on all rows. */
  public int next(int index) {
    return index + ropeDelta;
  }
}
