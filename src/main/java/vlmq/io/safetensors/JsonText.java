package vlmq.io.safetensors;

import java.util.Comparator;

/**
 * JSON text written byte-for-byte as the reference tools write it: safetensors headers as Rust's serde_json
 * (UTF-8 as is, only '"', '\' and control characters escaped) and index files as Python's {@code json.dumps}
 * (ASCII only: everything outside space..'~' escaped as {@code \}{@code uXXXX}).
 */
final class JsonText {
  /** Rust compares names as UTF-8 bytes and Python as code points: the same order, unlike String.compareTo. */
  static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) return Integer.compare(ca, cb);
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  };

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

  static StringBuilder pythonAsciiString(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!shortEscape(out, c)) {
        if (c < 0x20 || c > '~') out.append(String.format("\\u%04x", (int) c));
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
