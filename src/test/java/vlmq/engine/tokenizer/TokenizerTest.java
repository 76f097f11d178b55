package vlmq.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.VlmqException;

/**
 * The bundled demo's tokenizer.json (Qwen's real vocabulary) against transformers 5.18's tokenizer on the cases
 * tools/dump_tokenizer_reference.py wrote: hand-picked and seeded random strings (ASCII, CJK, emoji, whitespace
 * runs, special tokens, combining marks) and random id sequences.
 */
class TokenizerTest {
  private static Tokenizer tokenizer;
  private static JsonNode reference;

  @BeforeAll
  static void load() throws IOException {
    tokenizer = Tokenizer.load(resource("/vlmq/demo/qwen2_5_vl_tiny"));
    reference = new ObjectMapper().readTree(resource("/engine/tokenizer/qwen_tokenizer.json").toFile());
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  static Path resource(String name) {
    try {
      return Path.of(TokenizerTest.class.getResource(name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("test resource " + name + " is missing", e);
    }
  }

  private static List<JsonNode> cases(String kind) {
    return StreamSupport.stream(reference.get(kind).spliterator(), false).toList();
  }

  private static int[] ids(JsonNode node) {
    return StreamSupport.stream(node.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
  }

  @Test
  void encodingGivesTransformersIds() {
    List<JsonNode> cases = cases("encode");
    for (JsonNode c : cases) {
      assertThat(tokenizer.encode(c.get("text").asText())).as("ids of %s", c.get("text")).isEqualTo(ids(c.get("ids")));
    }
    assertThat(cases).hasSize(330);
    System.out.println("tokenizer: " + cases.size() + " strings encode to transformers' ids");
  }

  @Test
  void longTextIsNotTruncated() {
    String text = "The quick brown fox jumps over the lazy dog. ".repeat(150);
    assertThat(tokenizer.encode(text)).hasSizeGreaterThan(1000);
  }

  @Test
  void decodingGivesTransformersText() {
    int checked = 0;
    for (String kind : List.of("encode", "decode")) {
      for (JsonNode c : cases(kind)) {
        int[] ids = ids(c.get("ids"));
        assertThat(tokenizer.decode(ids, false)).as("decode %s", c.get("ids")).isEqualTo(c.get("decoded").asText());
        assertThat(tokenizer.decode(ids, true)).as("decode %s skipping special tokens", c.get("ids"))
            .isEqualTo(c.get("decoded_skip_special").asText());
        checked++;
      }
    }
    System.out.println("tokenizer: " + checked + " id sequences decode to transformers' text");
  }

  /** Token by token, the pieces join into the full decode and never carry half a character. */
  @Test
  void streamingEmitsWholeCharactersThatJoinIntoTheDecode() {
    for (JsonNode c : cases("encode")) {
      int[] ids = ids(c.get("ids"));
      for (boolean skip : new boolean[] {false, true}) {
        TokenStream stream = tokenizer.stream(skip);
        var joined = new StringBuilder();
        for (int id : ids) {
          String piece = stream.add(id);
          assertThat(piece).as("piece of %s", c.get("text")).doesNotContain("\uFFFD");
          joined.append(piece);
        }
        joined.append(stream.finish());
        assertThat(joined.toString()).isEqualTo(tokenizer.decode(ids, skip));
      }
    }
  }

  /** 🎉 is three byte-level tokens: nothing comes out until the last one completes it. */
  @Test
  void anEmojiSplitOverTokensComesOutWhole() {
    int[] ids = tokenizer.encode("Hi 🎉!");
    TokenStream stream = tokenizer.stream(true);
    var pieces = new ArrayList<String>();
    for (int id : ids) pieces.add(stream.add(id));
    assertThat(ids).hasSize(5);
    assertThat(pieces).containsExactly("Hi", "", "", " 🎉", "!");
    assertThat(stream.finish()).isEmpty();

    TokenStream cut = tokenizer.stream(true);
    assertThat(cut.add(ids[1])).isEmpty();
    assertThat(cut.finish()).isEqualTo(tokenizer.decode(new int[] {ids[1]}, true)).endsWith("\uFFFD");
  }

  @Test
  void specialTokensAreLookedUpByText() {
    assertThat(tokenizer.tokenId("<|im_end|>")).hasValue(151645);
    assertThat(tokenizer.tokenId("<|image_pad|>")).hasValue(151655);
    assertThat(tokenizer.tokenId("Hello")).hasValue(9707);
    assertThat(tokenizer.tokenId("Hello world")).isEmpty();
  }

  @Test
  void aMissingOrBrokenTokenizerIsReportedByFile(@TempDir Path tmp) throws IOException {
    assertThatThrownBy(() -> Tokenizer.load(tmp)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("has no tokenizer.json");
    Files.writeString(tmp.resolve("tokenizer.json"), "{\"model\": 42}");
    assertThatThrownBy(() -> Tokenizer.load(tmp)).isInstanceOf(VlmqException.class)
        .hasMessageContaining(tmp.resolve("tokenizer.json").toString());
  }
}
