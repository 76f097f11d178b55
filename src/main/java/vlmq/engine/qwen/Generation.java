package vlmq.engine.qwen;

/**
 * The tokens greedy decoding produced after a prompt, the stop token included when one ended it (as transformers'
 * {@code generate} returns it).
 *
 * @param stopped true when a stop token ended the generation, false when it ran to the token limit
 */
public record Generation(int[] tokens, boolean stopped) {
  public Generation {
    tokens = tokens.clone();
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }
}
