package vlmq.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Writes a set of examined vLLM versions as ranges: {@code vLLM ≤ 0.12.x}, {@code vLLM 0.11.0 – 0.12.x},
 * {@code vLLM main (after 2026-05)}.
 */
final class Versions {
  private Versions() {}

  static String range(List<VllmVersion> timeline, Set<VllmVersion> fired) {
    if (fired.isEmpty()) return "";
    if (fired.size() == timeline.size()) {
      return "all vLLM versions examined (" + timeline.getFirst().label() + " – " + timeline.getLast().label() + ")";
    }
    var runs = new ArrayList<String>();
    int i = 0;
    while (i < timeline.size()) {
      if (!fired.contains(timeline.get(i))) {
        i++;
        continue;
      }
      int start = i;
      while (i + 1 < timeline.size() && fired.contains(timeline.get(i + 1))) i++;
      var lower = timeline.get(start);
      var upper = i + 1 < timeline.size() ? timeline.get(i + 1) : null;
      runs.add(run(start == 0 ? null : lower, upper));
      i++;
    }
    return "vLLM " + String.join(", ", runs);
  }

  private static String run(VllmVersion lower, VllmVersion upper) {
    if (upper == null) return lower.isMain() ? "main (after 2026-05)" : "≥ " + lower.label();
    var below = below(upper);
    return lower == null ? "≤ " + below : lower.label() + " – " + below;
  }

  /** The last version before {@code upper}: {@code 0.12.x} before 0.13.0, any release before main. */
  private static String below(VllmVersion upper) {
    if (upper.isMain()) return "the latest release (not main after 2026-05)";
    if (upper.patch() == 0 && upper.minor() > 0) return upper.major() + "." + (upper.minor() - 1) + ".x";
    if (upper.patch() > 0) return upper.major() + "." + upper.minor() + "." + (upper.patch() - 1);
    return "< " + upper.label();
  }
}
