package vlmq.recipe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Module names that differ only in their numeric segments, folded into one line
 * ({@code model.layers.{0..35}.self_attn.q_proj}) so a plan over hundreds of layers stays readable.
 */
final class NameGroups {
  private NameGroups() {}

  private static final Pattern INDEX = Pattern.compile("0|[1-9][0-9]{0,8}");

  /**
   * A folded name: {@code pattern} shows index sets in braces; {@code members} are the names it stands for.
   *
   * @param regex a Python/Java regex matching exactly the pattern's shape (index sets as {@code \d+})
   */
  record Group(String pattern, String regex, List<String> members) {}

  private record Item(String[] segments, List<TreeSet<Integer>> indices, List<String> members, int first) {
    String key(int except) {
      var key = new StringBuilder();
      for (int i = 0; i < indices.size(); i++) if (i != except) key.append(indices.get(i)).append('/');
      return key.toString();
    }
  }

  /** Folds {@code names} (given in display order); groups come in the order of their first member. */
  static List<Group> collapse(List<String> names) {
    var byTemplate = new LinkedHashMap<String, List<Item>>();
    for (int n = 0; n < names.size(); n++) {
      var segments = names.get(n).split("\\.", -1);
      var indices = new ArrayList<TreeSet<Integer>>();
      var template = new StringBuilder();
      for (int i = 0; i < segments.length; i++) {
        boolean index = INDEX.matcher(segments[i]).matches();
        if (index) indices.add(new TreeSet<>(List.of(Integer.parseInt(segments[i]))));
        template.append(index ? "#" : segments[i]).append('.');
      }
      byTemplate.computeIfAbsent(template.toString(), k -> new ArrayList<>())
          .add(new Item(segments, indices, new ArrayList<>(List.of(names.get(n))), n));
    }
    var items = new ArrayList<Item>();
    for (var group : byTemplate.values()) {
      var merged = group;
      int positions = group.getFirst().indices().size();
      for (int p = positions - 1; p >= 0; p--) merged = mergeAt(merged, p);
      items.addAll(merged);
    }
    items.sort(Comparator.comparingInt(Item::first));
    return items.stream().map(NameGroups::group).toList();
  }

  private static List<Item> mergeAt(List<Item> items, int position) {
    var byKey = new LinkedHashMap<String, Item>();
    for (var item : items) {
      var into = byKey.putIfAbsent(item.key(position), item);
      if (into != null) {
        into.indices().get(position).addAll(item.indices().get(position));
        into.members().addAll(item.members());
      }
    }
    return new ArrayList<>(byKey.values());
  }

  private static Group group(Item item) {
    var shown = new ArrayList<String>();
    var regex = new ArrayList<String>();
    int p = 0;
    for (var segment : item.segments()) {
      if (INDEX.matcher(segment).matches()) {
        var set = item.indices().get(p++);
        shown.add(set.size() == 1 ? set.getFirst().toString() : "{" + ranges(set) + "}");
        regex.add(set.size() == 1 ? set.getFirst().toString() : "\\d+");
      } else {
        shown.add(segment);
        regex.add(Rule.literal(segment));
      }
    }
    return new Group(String.join(".", shown), String.join("\\.", regex) + "$", List.copyOf(item.members()));
  }

  /** {@code 0..35}, {@code 0,2}, {@code 0..3,7}: runs of three or more as ranges. */
  private static String ranges(TreeSet<Integer> values) {
    var parts = new ArrayList<String>();
    var list = new ArrayList<>(values);
    int start = 0;
    for (int i = 1; i <= list.size(); i++) {
      if (i < list.size() && list.get(i) == list.get(i - 1) + 1) continue;
      int from = list.get(start), to = list.get(i - 1);
      if (i - start >= 3) parts.add(from + ".." + to);
      else for (int k = start; k < i; k++) parts.add(list.get(k).toString());
      start = i;
    }
    return String.join(",", parts);
  }
}
