package vlmq.model;

import java.util.Comparator;

/** Orders dotted module names segment by segment, numbers by value, so layers.2 comes before layers.10. */
final class NaturalOrder implements Comparator<String> {
  static final NaturalOrder INSTANCE = new NaturalOrder();

  private NaturalOrder() {}

  @Override
  public int compare(String a, String b) {
    var x = a.split("\\.", -1);
    var y = b.split("\\.", -1);
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      int c = compareSegment(x[i], y[i]);
      if (c != 0) return c;
    }
    return Integer.compare(x.length, y.length);
  }

  private static int compareSegment(String a, String b) {
    if (isNumber(a) && isNumber(b)) {
      int c = Integer.compare(a.length(), b.length()); // no leading zeros in module indices
      return c != 0 ? c : a.compareTo(b);
    }
    return a.compareTo(b);
  }

  private static boolean isNumber(String s) {
    return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
  }
}
