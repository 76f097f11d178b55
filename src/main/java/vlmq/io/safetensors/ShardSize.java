package vlmq.io.safetensors;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import vlmq.VlmqException;

/**
 * Parses a maximum shard size such as {@code 5GB}, {@code 500MB}, {@code 2GiB} or {@code 1000000}, as
 * huggingface_hub's {@code parse_size_to_int} reads {@code max_shard_size} (KB/MB/GB/TB are powers of 1000,
 * case-insensitive, decimals allowed and truncated), plus KiB/MiB/GiB/TiB (powers of 1024) as transformers'
 * {@code convert_file_size_to_int} knows them, and plain byte counts.
 */
public final class ShardSize {
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)\\s*([a-z]*)");
  private static final Map<String, Long> UNITS = Map.of(
      "", 1L, "b", 1L,
      "kb", 1_000L, "mb", 1_000_000L, "gb", 1_000_000_000L, "tb", 1_000_000_000_000L,
      "kib", 1L << 10, "mib", 1L << 20, "gib", 1L << 30, "tib", 1L << 40);

  private ShardSize() {}

  /** Bytes, at least 1; a {@link VlmqException} explains any other input. */
  public static long parse(String text) {
    var m = SIZE.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
    Long unit = m.matches() ? UNITS.get(m.group(2)) : null;
    if (unit == null) {
      throw new VlmqException("shard size '" + text + "' is not a size like 5GB, 500MB, 2GiB or 1000000 (bytes)");
    }
    BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
    if (bytes.compareTo(BigDecimal.ONE) < 0 || bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new VlmqException("shard size '" + text + "' must be between 1 byte and " + Long.MAX_VALUE + " bytes");
    }
    return bytes.longValue();
  }
}
