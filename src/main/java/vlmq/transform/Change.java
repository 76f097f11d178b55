package vlmq.transform;

import java.util.List;
import vlmq.check.ModuleGroups;

/**
 * One thing a repair or conversion changed, for the report it prints.
 *
 * @param rule the {@code vlmq check} rule the change answers (R1, R2, P3, …), or "" for conversion steps
 * @param what what was done, e.g. {@code dropped 4 KV-cache tensors under the vision tower}
 * @param names the tensors or modules concerned, folded ({@code visual.blocks.{0,1}.attn.qkv})
 */
public record Change(String rule, String what, List<String> names) {
  public Change {
    names = List.copyOf(names);
  }

  static Change of(String rule, String what, List<String> names) {
    return new Change(rule, what, ModuleGroups.compress(names));
  }

  /** {@code R1  dropped …: a, b} (the rule column left blank for conversion steps). */
  public String line() {
    var text = (rule.isEmpty() ? "    " : String.format("%-4s", rule)) + "  " + what;
    return names.isEmpty() ? text : text + ": " + String.join(", ", names);
  }
}
