package vlmq.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vlmq.transform.Repair;

/** Every rule whose fix is {@code vlmq repair}: after repairing its triggering checkpoint, the rule fires no more. */
class RepairRuleCasesTest {
  @TempDir Path tmp;

  static List<RuleCases.Case> cases() {
    return RuleCases.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void repairFixesWhatItClaimsTo(RuleCases.Case c) {
    var source = c.trigger().build().get().write(tmp, "trigger");
    var before = Checker.check(source, c.triggerTarget());
    var fixedByRepair = before.findings().stream()
        .filter(f -> f.rule().equals(c.rule()) && f.fix().startsWith("vlmq repair")).toList();
    if (fixedByRepair.isEmpty()) return;
    var result = Repair.run(source, tmp.resolve("repaired"));
    var after = Checker.check(result.output(), c.triggerTarget());
    assertThat(after.findings()).as(ReportTextTest.render(after)).noneMatch(f -> f.rule().equals(c.rule()));
  }

  /** The rules whose triggering checkpoint check sends to vlmq repair (so the test above repairs them). */
  @Test
  void repairIsTheFixForTheseRules() {
    var rules = new TreeSet<String>();
    int n = 0;
    for (var c : cases()) {
      var report = Checker.check(c.trigger().build().get().write(tmp, "t" + n++), c.triggerTarget());
      report.findings().stream().filter(f -> f.rule().equals(c.rule()) && f.fix().startsWith("vlmq repair"))
          .forEach(f -> rules.add(f.rule()));
    }
    assertThat(rules).containsExactlyInAnyOrder("R1", "R2", "R3", "R4", "R5", "R9", "R10", "R12", "R14", "R15",
        "R18", "R22", "R23", "P1", "P3", "P4", "P6", "C3", "C5", "C6");
  }
}
