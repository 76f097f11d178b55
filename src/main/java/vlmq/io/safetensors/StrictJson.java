package vlmq.io.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Jackson set up for untrusted JSON (safetensors headers, shard indexes): bounded nesting, string and number
 * lengths, and strict UTF-8 (a decoding Reader rather than Jackson's byte parser, which guesses UTF-16/32
 * from the first bytes and lets some malformed UTF-8 through). Duplicate keys are the callers' to refuse,
 * so that the message can say which tensor is doubled.
 */
final class StrictJson {
  /**
   * The deepest nesting serde_json (recursion limit 128) parses, so that the headers the Rust crate parses parse
   * here too, and no others; real headers nest 3 deep.
   */
  static final int MAX_NESTING = 127;
  /** Names and metadata values are short; a 16 Mi-char string is already hostile. */
  static final int MAX_STRING = 16 << 20;

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(MAX_NESTING)
          .maxStringLength(MAX_STRING)
          .maxNameLength(MAX_STRING)
          .maxNumberLength(64)
          .build())
      .build();

  private StrictJson() {}

  static JsonParser parser(byte[] json) throws IOException {
    var decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    return FACTORY.createParser(new InputStreamReader(new ByteArrayInputStream(json), decoder));
  }

  /** Jackson quotes offending input in its messages; keep them printable on one line and short. */
  private static String oneLine(String message) {
    String m = String.valueOf(message).replaceAll("\\p{Cntrl}", " ").replaceAll(", from `[^`]*`", "");
    return m.length() <= 300 ? m : m.substring(0, 300) + "…";
  }

  /** Jackson's message without its source excerpt, plus where in the text it stopped. */
  static String describe(IOException e) {
    if (e instanceof JsonProcessingException j) {
      var where = j.getLocation();
      String at = where == null ? "" : " at character " + where.getCharOffset();
      return oneLine(j.getOriginalMessage()) + at;
    }
    return e instanceof java.nio.charset.CharacterCodingException ? "not valid UTF-8" : String.valueOf(e.getMessage());
  }
}
