package vlmq.engine.tokenizer;

import java.util.Arrays;

/**
 * Decodes generated tokens one at a time for streaming output. A byte-level BPE token may hold only part of a
 * character's UTF-8 bytes (an emoji is often three tokens), so text is emitted only once it no longer ends in an
 * incomplete character: each step decodes the few tokens since the last emitted boundary (text-generation-
 * inference's prefix/read offsets) and hands out what grew. The pieces concatenate to the decode of all tokens.
 */
public final class TokenStream {
  private static final char REPLACEMENT = '\uFFFD';

  private final Tokenizer tokenizer;
  private final boolean skipSpecialTokens;
  private int[] ids = new int[64];
  private int count;
  /** Start of the tokens re-decoded each step: the last emitted boundary but one, for context. */
  private int prefixOffset;
  /** End of the tokens whose text has been emitted. */
  private int readOffset;

  TokenStream(Tokenizer tokenizer, boolean skipSpecialTokens) {
    this.tokenizer = tokenizer;
    this.skipSpecialTokens = skipSpecialTokens;
  }

  /** Adds token {@code id}; returns the text it completes, empty while a character is still incomplete. */
  public String add(int id) {
    if (count == ids.length) ids = Arrays.copyOf(ids, 2 * count);
    ids[count++] = id;
    String prefix = decode(prefixOffset, readOffset);
    String text = decode(prefixOffset, count);
    if (text.length() <= prefix.length() || text.charAt(text.length() - 1) == REPLACEMENT) return "";
    prefixOffset = readOffset;
    readOffset = count;
    return text.substring(prefix.length());
  }

  /** The text held back at the end (an incomplete character decodes to U+FFFD), once generation is over. */
  public String finish() {
    String prefix = decode(prefixOffset, readOffset);
    String text = decode(prefixOffset, count);
    prefixOffset = readOffset = count;
    return text.length() > prefix.length() ? text.substring(prefix.length()) : "";
  }

  private String decode(int from, int to) {
    return from == to ? "" : tokenizer.decode(Arrays.copyOfRange(ids, from, to), skipSpecialTokens);
  }
}
