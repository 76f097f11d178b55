package vlmq.engine.qwen;

/**
 * The tokens generated after a prompt, the stop token included when one ended it (as transformers' {@code generate}
 * returns it), and where the time went.
 *
 * @param stopped true when a stop token ended the generation, false when it ran to the token limit
 */
public record Generation(int[] tokens, boolean stopped, Timings timings) {
  public Generation {
    tokens = tokens.clone();
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }

  /**
   * Wall-clock times of one generation.
   *
   * @param visionNanos the vision tower over every image of the prompt (0 without images)
   * @param prefillNanos the language model over the prompt and the first token's logits (the vision tower excluded)
   * @param promptTokens positions in the prompt (image_pad tokens expanded)
   * @param decodeNanos every later token: one forward pass and one choice each
   * @param decodedTokens tokens produced by those passes (all tokens but the first)
   */
  public record Timings(long visionNanos, long prefillNanos, int promptTokens, long decodeNanos, int decodedTokens) {
    /** Prompt positions per second through the language model. */
    public double prefillTokensPerSecond() {
      return promptTokens * 1e9 / Math.max(prefillNanos, 1);
    }

    /** Generated tokens per second after the first. */
    public double decodeTokensPerSecond() {
      return decodedTokens * 1e9 / Math.max(decodeNanos, 1);
    }
  }
}
