package vlmq.model;

import java.util.Comparator;

/** Orders dotted module names segment by segment, numbers by value, so layers.2 comes before layers.10. */
final class NaturalOrder implements Comparator<String> {
  static final NaturalOrder INSTANCE = new NaturalOrder();

  private NaturalOrder() {}

  // Sorting a checkpoint's names runs this ~10^4 times at start-up, so it walks the strings instead of splitting them.
  @Override
  public int compare(String a, String b) {
    int i = 0;
    int j = 0;
    while (true) {
      int ie = segmentEnd(a, i);
      int je = segmentEnd(b, j);
      int c = compareSegment(a, i, ie, b, j, je);
      if (c != 0) return c;
      boolean aDone = ie == a.length();
      boolean bDone = je == b.length();
      if (aDone || bDone) return Boolean.compare(!aDone, !bDone); // fewer segments first
      i = ie + 1;
      j = je + 1;
    }
  }

  private static int segmentEnd(String s, int from) {
    int dot = s.indexOf('.', from);
    return dot < 0 ? s.length() : dot;
  }

  private static int compareSegment(String a, int as, int ae, String b, int bs, int be) {
    if (isNumber(a, as, ae) && isNumber(b, bs, be) && ae - as != be - bs) {
      return Integer.compare(ae - as, be - bs); // no leading zeros in module indices
    }
    for (int n = Math.min(ae - as, be - bs), k = 0; k < n; k++) {
      int c = Character.compare(a.charAt(as + k), b.charAt(bs + k));
      if (c != 0) return c;
    }
    return Integer.compare(ae - as, be - bs);
  }

  private static boolean isNumber(String s, int from, int to) {
    if (from == to) return false;
    for (int k = from; k < to; k++) if (!Character.isDigit(s.charAt(k))) return false;
    return true;
  }
}
