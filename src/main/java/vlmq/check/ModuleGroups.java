package vlmq.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Compresses module names that differ only in their numeric segments into one line each, so a finding about every
 * layer reads {@code model.layers.{0..35}.mlp.down_proj}, not 36 lines.
 */
public final class ModuleGroups {
  private ModuleGroups() {}

  /** At most this many lines; the rest are counted. */
  static final int MAX_LINES = 12;

  /** {@code names} folded, in the order of their first members; at most {@link #MAX_LINES} lines and a count. */
  public static List<String> compress(List<String> names) {
    var byTemplate = new LinkedHashMap<String, List<String[]>>();
    for (var name : names.stream().distinct().toList()) {
      var segments = name.split("\\.", -1);
      byTemplate.computeIfAbsent(template(segments), k -> new ArrayList<>()).add(segments);
    }
    var lines = new ArrayList<String>();
    byTemplate.values().forEach(group -> lines.addAll(render(group)));
    if (lines.size() <= MAX_LINES) return List.copyOf(lines);
    var kept = new ArrayList<>(lines.subList(0, MAX_LINES));
    kept.add("… and " + (lines.size() - MAX_LINES) + " more");
    return List.copyOf(kept);
  }

  private static String template(String[] segments) {
    var out = new StringBuilder();
    for (var s : segments) out.append(isNumber(s) ? "#" : s).append('.');
    return out.toString();
  }

  /** Lines for names sharing one template: numeric positions merged into sets where the rest agrees. */
  private static List<String> render(List<String[]> group) {
    var numeric = new ArrayList<Integer>();
    var first = group.getFirst();
    for (int i = 0; i < first.length; i++) if (isNumber(first[i])) numeric.add(i);
    return merge(group, numeric).stream().map(s -> String.join(".", s)).toList();
  }

  /**
   * Splits {@code group} on the value at the first of {@code positions}, merges the rest recursively, then joins the
   * sub-results that agree everywhere except at that position.
   */
  private static List<String[]> merge(List<String[]> group, List<Integer> positions) {
    if (positions.isEmpty()) return List.<String[]>of(group.getFirst());
    int pos = positions.getFirst();
    var byValue = new LinkedHashMap<String, List<String[]>>();
    for (var s : group) byValue.computeIfAbsent(s[pos], k -> new ArrayList<>()).add(s);
    Map<String, TreeSet<Integer>> merged = new LinkedHashMap<>();
    Map<String, String[]> shapes = new LinkedHashMap<>();
    for (var entry : byValue.entrySet()) {
      for (var line : merge(entry.getValue(), positions.subList(1, positions.size()))) {
        var key = line.clone();
        key[pos] = "#";
        var k = String.join(".", key);
        merged.computeIfAbsent(k, x -> new TreeSet<>()).add(Integer.parseInt(entry.getKey()));
        shapes.putIfAbsent(k, key);
      }
    }
    var out = new ArrayList<String[]>();
    merged.forEach((k, values) -> {
      var s = shapes.get(k).clone();
      s[pos] = set(values);
      out.add(s);
    });
    return out;
  }

  /** {@code 7}, or {@code {0..3,7}}. */
  static String set(TreeSet<Integer> values) {
    if (values.size() == 1) return values.first().toString();
    var runs = new ArrayList<String>();
    Integer start = null, prev = null;
    for (int v : values) {
      if (prev != null && v == prev + 1) {
        prev = v;
        continue;
      }
      if (start != null) runs.add(run(start, prev));
      start = v;
      prev = v;
    }
    runs.add(run(start, prev));
    return runs.stream().collect(Collectors.joining(",", "{", "}"));
  }

  private static String run(int start, int end) {
    if (start == end) return Integer.toString(start);
    if (end == start + 1) return start + "," + end;
    return start + ".." + end;
  }

  private static boolean isNumber(String s) {
    return !s.isEmpty() && s.length() < 10 && s.chars().allMatch(Character::isDigit);
  }
}
