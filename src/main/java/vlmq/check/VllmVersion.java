package vlmq.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;
import vlmq.VlmqException;

/**
 * A vLLM release, or {@link #MAIN}: upstream main after 2026-05, the newest code engine-loading-rules.md read. Versions
 * order numerically; release numbers for changes are the spec's approximations (merge date → next release).
 */
public record VllmVersion(int major, int minor, int patch) implements Comparable<VllmVersion> {
  /** Upstream main after 2026-05-12, newer than every numbered release here. */
  public static final VllmVersion MAIN = new VllmVersion(Integer.MAX_VALUE, 0, 0);
  /** The oldest release the rules model. */
  public static final VllmVersion OLDEST = new VllmVersion(0, 10, 0);

  private static final Pattern RELEASE = Pattern.compile("v?(\\d+)\\.(\\d+)(?:\\.(\\d+))?(?:[.+-]?(?:rc|post|dev)\\S*)?");

  /** Parses {@code 0.11}, {@code 0.11.1}, {@code v0.11.0rc1}, {@code main} or {@code latest}. */
  public static VllmVersion parse(String value) {
    var text = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    if (text.equals("main") || text.equals("latest") || text.equals("nightly")) return MAIN;
    var m = RELEASE.matcher(text);
    if (!m.matches()) {
      throw new VlmqException("cannot read vLLM version '" + value + "': use a release such as 0.11.1, or main");
    }
    return new VllmVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
        m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
  }

  public boolean atLeast(VllmVersion other) {
    return compareTo(other) >= 0;
  }

  public boolean has(VllmChange change) {
    return atLeast(change.since());
  }

  public boolean isMain() {
    return equals(MAIN);
  }

  /** {@code 0.11.1}, or {@code main}. */
  public String label() {
    return isMain() ? "main" : major + "." + minor + "." + patch;
  }

  /**
   * The versions the behaviour changes at, oldest first: {@link #OLDEST}, every change's first release, and
   * {@link #MAIN}. Checking each of them covers every behaviour the rules know.
   */
  public static List<VllmVersion> timeline() {
    var points = new TreeSet<VllmVersion>();
    points.add(OLDEST);
    points.add(MAIN);
    for (var change : VllmChange.values()) points.add(change.since());
    return new ArrayList<>(points);
  }

  @Override
  public int compareTo(VllmVersion o) {
    if (major != o.major) return Integer.compare(major, o.major);
    if (minor != o.minor) return Integer.compare(minor, o.minor);
    return Integer.compare(patch, o.patch);
  }

  @Override
  public String toString() {
    return label();
  }
}
