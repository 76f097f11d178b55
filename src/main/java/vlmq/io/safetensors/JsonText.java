package vlmq.io.safetensors;


/**
 * JSON strings in safetensors headers, written byte-for-byte as Rust's serde_json writes them (UTF-8 as is, only
 * '"', '\' and control characters escaped). Index files are Python JSON: see {@link vlmq.io.PythonJson}.
 */
final class JsonText {
  private JsonText() {}

  static StringBuilder serdeString(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!shortEscape(out, c)) {
        if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
        else out.append(c);
      }
    }
    return out.append('"');
  }

  private static boolean shortEscape(StringBuilder out, char c) {
    String escape = switch (c) {
      case '"' -> "\\\"";
      case '\\' -> "\\\\";
      case '\b' -> "\\b";
      case '\f' -> "\\f";
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      default -> null;
    };
    if (escape != null) out.append(escape);
    return escape != null;
  }
}
