package vlmq.check;

import com.fasterxml.jackson.annotation.JsonValue;

/** How bad a finding is for the user, worst first; the order is the report's order. */
public enum Severity {
  /** The engine refuses the checkpoint: it will not load. */
  ERROR("error"),
  /** It loads, but outputs are wrong (cast weights, unloaded scales). */
  SILENT("silent"),
  /** It loads and is correct, on a slower kernel or with more memory than intended. */
  PERF("perf"),
  /** Worth knowing; nothing goes wrong on this target. */
  INFO("info");

  private final String id;

  Severity(String id) {
    this.id = id;
  }

  /** The lower-case name used in reports and JSON. */
  @JsonValue
  public String id() {
    return id;
  }

  public Severity worse(Severity other) {
    return other.ordinal() < ordinal() ? other : this;
  }
}
