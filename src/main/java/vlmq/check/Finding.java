package vlmq.check;

import java.util.List;

/**
 * One predicted problem.
 *
 * @param rule the rule id (engine-loading-rules §6: {@code R1}…{@code R24}, producer rules {@code P1}…{@code P6};
 *     checks beyond the spec {@code C1}…{@code C6}); see {@link RuleCatalog}
 * @param modules affected modules or tensors, grouped ({@code model.layers.{0..35}.mlp.down_proj})
 * @param engineMessage what the engine prints (or, for silent faults, what happens), in its own words where known
 * @param versions the engine versions this applies to, e.g. {@code vLLM 0.10.0 – 0.12.x}
 * @param fix what to do, with the exact vlmq command where one exists; "" when there is nothing to fix
 * @param basis how the prediction is known: {@code [S]} read in source, {@code [T]} issue thread, {@code [I]} inferred
 */
public record Finding(String rule, Severity severity, String title, List<String> modules, String engineMessage,
    String versions, String fix, String basis) {
  public Finding {
    modules = List.copyOf(modules);
  }

  /** A finding whose modules are grouped from the raw names given. */
  static Finding of(String rule, Severity severity, String title, List<String> names, String engineMessage,
      String fix, String basis) {
    return new Finding(rule, severity, title, ModuleGroups.compress(names), engineMessage, "", fix, basis);
  }

  Finding withVersions(String value) {
    return new Finding(rule, severity, title, modules, engineMessage, value, fix, basis);
  }

  Finding withSeverity(Severity value) {
    return new Finding(rule, value, title, modules, engineMessage, versions, fix, basis);
  }
}
