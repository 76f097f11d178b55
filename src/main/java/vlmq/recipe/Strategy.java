package vlmq.recipe;

/** compressed-tensors' {@code QuantizationStrategy}: which elements share one scale. */
public enum Strategy {
  TENSOR("tensor"),
  CHANNEL("channel"),
  GROUP("group"),
  BLOCK("block"),
  TOKEN("token"),
  TENSOR_GROUP("tensor_group"),
  ATTN_HEAD("attn_head");

  private final String json;

  Strategy(String json) {
    this.json = json;
  }

  public String json() {
    return json;
  }

  public static Strategy parse(String value, String where) {
    for (Strategy s : values()) if (s.json.equalsIgnoreCase(value)) return s;
    throw RecipeJson.invalid(where, "strategy", value,
        "one of tensor, channel, group, block, token, tensor_group, attn_head");
  }
}
