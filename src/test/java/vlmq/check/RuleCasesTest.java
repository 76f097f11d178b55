package vlmq.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule fires on its triggering checkpoint, with its severity and engine text, and not on its passing one. */
class RuleCasesTest {
  @TempDir Path tmp;

  static java.util.List<RuleCases.Case> cases() {
    return RuleCases.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void triggers(RuleCases.Case c) {
    var report = Checker.check(c.trigger().build().get().write(tmp, "trigger"), c.triggerTarget());
    var hits = report.findings().stream().filter(f -> f.rule().equals(c.rule())).toList();
    assertThat(hits).as(ReportTextTest.render(report)).isNotEmpty();
    assertThat(hits).as(ReportTextTest.render(report))
        .anySatisfy(f -> {
          assertThat(f.severity()).isEqualTo(c.severity());
          assertThat(f.title() + "\n" + f.engineMessage() + "\n" + String.join("\n", f.modules()))
              .contains(c.fragment());
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void passes(RuleCases.Case c) {
    var report = Checker.check(c.pass().build().get().write(tmp, "pass"), c.passTarget());
    assertThat(report.findings()).as(ReportTextTest.render(report)).noneMatch(f -> f.rule().equals(c.rule()));
  }

  /** P2 and P5 are enforced through R1 and R5/R6/R10; every other rule has a case. */
  @Test
  void everyRuleHasACase() {
    Set<String> covered = cases().stream().map(RuleCases.Case::rule).collect(Collectors.toSet());
    var missing = RuleCatalog.titles().keySet().stream()
        .filter(r -> !covered.contains(r) && !r.equals("P2") && !r.equals("P5")).sorted().toList();
    assertThat(missing).isEmpty();
  }
}
