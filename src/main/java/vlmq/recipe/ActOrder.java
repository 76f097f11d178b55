package vlmq.recipe;

/**
 * compressed-tensors' {@code ActivationOrdering}. {@code dynamic} is an alias of {@code group} and
 * {@code static} of {@code weight}; the spelling given is the spelling written back (GPTQ writes "static").
 */
public enum ActOrder {
  GROUP("group"),
  WEIGHT("weight"),
  DYNAMIC("dynamic"),
  STATIC("static");

  private final String json;

  ActOrder(String json) {
    this.json = json;
  }

  public String json() {
    return json;
  }

  /** True for the orderings that permute groups and need {@code weight_g_idx} ({@code group}/{@code dynamic}). */
  public boolean isGroupOrdering() {
    return this == GROUP || this == DYNAMIC;
  }

  public static ActOrder parse(String value, String where) {
    for (ActOrder a : values()) if (a.json.equalsIgnoreCase(value)) return a;
    throw RecipeJson.invalid(where, "actorder", value, "\"group\", \"weight\", \"dynamic\", \"static\" or null");
  }
}
