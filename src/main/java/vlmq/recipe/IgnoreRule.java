package vlmq.recipe;

/**
 * An ignore rule of a plan with where it came from, so the plan can say why each kept module stays unquantized.
 *
 * @param reason what the rule keeps and why, e.g. "vision tower"; empty for the user's own rules
 */
public record IgnoreRule(Rule rule, Origin origin, String reason) {
  public enum Origin {
    /** Given by the user (--ignore or the recipe's ignore list). */
    USER("user"),
    /** vlmq's vision-preserving default, used when the user gives no ignore rule. */
    DEFAULT("default"),
    /** Always applied: the serving engine builds these modules unquantized, so a quantized copy cannot load. */
    REQUIRED("required");

    private final String label;

    Origin(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** For example {@code default: vision tower (re:(model\.)?visual\..*)}. */
  public String describe() {
    return origin.label() + (reason.isEmpty() ? "" : ": " + reason) + " (" + rule.text() + ")";
  }
}
