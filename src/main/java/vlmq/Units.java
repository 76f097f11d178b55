package vlmq;

import java.util.Locale;

/** Human-readable sizes and counts for terminal output (decimal units, as the Hugging Face hub shows them). */
public final class Units {
  private Units() {}

  public static String bytes(long b) {
    if (b < 1000) return b + " B";
    String[] units = {"kB", "MB", "GB", "TB", "PB"};
    double v = b;
    int i = -1;
    while (v >= 1000 && i < units.length - 1) {
      v /= 1000;
      i++;
    }
    return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[i]);
  }

  public static String count(long n) {
    if (n < 1000) return Long.toString(n);
    String[] units = {"K", "M", "B", "T"};
    double v = n;
    int i = -1;
    while (v >= 1000 && i < units.length - 1) {
      v /= 1000;
      i++;
    }
    return String.format(Locale.ROOT, v >= 100 ? "%.0f%s" : v >= 10 ? "%.1f%s" : "%.2f%s", v, units[i]);
  }
}
