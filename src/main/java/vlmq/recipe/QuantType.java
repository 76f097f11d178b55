package vlmq.recipe;

/** compressed-tensors' {@code QuantizationType}: whether quantized values are integers or small floats. */
public enum QuantType {
  INT("int"),
  FLOAT("float");

  private final String json;

  QuantType(String json) {
    this.json = json;
  }

  /** The value written into config.json. */
  public String json() {
    return json;
  }

  /** Parses a config value case-insensitively, as compressed-tensors' validator lower-cases it. */
  public static QuantType parse(String value, String where) {
    for (QuantType t : values()) if (t.json.equalsIgnoreCase(value)) return t;
    throw RecipeJson.invalid(where, "type", value, "\"int\" or \"float\"");
  }
}
