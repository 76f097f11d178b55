package vlmq.engine.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;
import vlmq.VlmqException;

/**
 * A checkpoint's {@code tokenizer.json} run by Hugging Face's own tokenizers library (Rust, through DJL's binding,
 * whose native library ships in its jar), so normalisation, pre-tokenization, BPE merges and added tokens are
 * exactly transformers' fast tokenizer's. Text is encoded as {@code tokenizer(text, add_special_tokens=False)}
 * does: special-token strings in it become their ids and nothing is added around it (Qwen has no BOS). No
 * truncation or padding, whatever DJL's defaults.
 */
public final class Tokenizer implements AutoCloseable {
  private static final Map<String, String> OPTIONS =
      Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false");

  private final HuggingFaceTokenizer tokenizer;
  private final Path file;

  private Tokenizer(HuggingFaceTokenizer tokenizer, Path file) {
    this.tokenizer = tokenizer;
    this.file = file;
  }

  /** Loads {@code tokenizer.json} from the model folder {@code dir} (or the file itself when given one). */
  public static Tokenizer load(Path dir) {
    Path file = Files.isDirectory(dir) ? dir.resolve("tokenizer.json") : dir;
    if (!Files.isRegularFile(file)) {
      throw new VlmqException(dir + " has no tokenizer.json: copy it from the original checkpoint (the engine "
          + "reads Hugging Face's tokenizer.json)");
    }
    NativeTokenizers.configure();
    try {
      return new Tokenizer(HuggingFaceTokenizer.newInstance(file, OPTIONS), file);
    } catch (IOException e) {
      throw new VlmqException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      throw NativeTokenizers.failure(file, e);
    }
  }

  /** The token ids of {@code text}. */
  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
  }

  /**
   * The text of {@code ids}, as {@code tokenizer.decode(ids, skip_special_tokens=...)}: bytes that do not form
   * valid UTF-8 (a token run ending inside a character) become U+FFFD.
   */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray(), skipSpecialTokens);
  }

  /** The id of a token given by its text ({@code <|im_end|>}), when it is a single token of the vocabulary. */
  public OptionalInt tokenId(String token) {
    int[] ids = encode(token);
    return ids.length == 1 && decode(ids, false).equals(token) ? OptionalInt.of(ids[0]) : OptionalInt.empty();
  }

  /** A decoder for tokens arriving one at a time, that emits text only once its characters are complete. */
  public TokenStream stream(boolean skipSpecialTokens) {
    return new TokenStream(this, skipSpecialTokens);
  }

  /** The tokenizer.json this tokenizer was read from. */
  public Path file() {
    return file;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
