package vlmq.estimate;

import java.util.Locale;
import java.util.regex.Pattern;
import vlmq.VlmqException;

/**
 * Memory sizes as users type them ({@code 24GiB}, {@code 80GB}, {@code 24G}) and as estimate prints GPU memory:
 * in binary units, as vLLM logs it (checkpoint files print in decimal GB, as the Hugging Face hub shows them).
 */
public final class ByteSize {
  private ByteSize() {}

  public static final long GIB = 1L << 30;

  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-z]*)");

  /**
   * Parses {@code 24GiB}, {@code 24 GB}, {@code 24G} (binary, as nvidia-smi and vLLM mean it), {@code 512MiB},
   * {@code 1.5TiB} or a plain byte count.
   *
   * @param option the option being parsed, for the error message
   */
  public static long parse(String text, String option) {
    var m = SIZE.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) throw bad(text, option);
    double value = Double.parseDouble(m.group(1));
    long unit = switch (m.group(2)) {
      case "", "b" -> 1;
      case "k", "kib" -> 1L << 10;
      case "kb" -> 1000;
      case "m", "mib" -> 1L << 20;
      case "mb" -> 1_000_000;
      case "g", "gib" -> GIB;
      case "gb" -> 1_000_000_000;
      case "t", "tib" -> 1L << 40;
      case "tb" -> 1_000_000_000_000L;
      default -> throw bad(text, option);
    };
    double bytes = value * unit;
    if (bytes < 1 || bytes >= Long.MAX_VALUE) throw bad(text, option);
    return (long) bytes;
  }

  private static VlmqException bad(String text, String option) {
    return new VlmqException(option + " '" + text + "' is not a size: write a number with a unit such as 24GiB, "
        + "80GB or 512MiB");
  }

  /** Binary gibibytes with two decimals, e.g. {@code 15.45 GiB}. */
  public static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) GIB);
  }

  /** A small size in the largest binary unit that keeps it readable, e.g. {@code 56 KiB}, {@code 25.5 MiB}. */
  public static String human(long bytes) {
    if (bytes < 1024) return bytes + " B";
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[i]);
  }
}
