package vlmq.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON exactly as Python's {@code json.dumps(obj, indent=2, sort_keys=True)} does, which is how
 * transformers writes {@code config.json} and compressed-tensors rewrites it: keys sorted by code point at every
 * level, one list element per line, {@code ": "} after keys, ASCII only ({@code \}{@code uXXXX} escapes) and floats
 * as Python's {@code repr}. Matching it byte for byte keeps diffs against llm-compressor output empty.
 */
public final class PythonJson {
  /** Python sorts str keys by code point; String.compareTo sorts by UTF-16 unit, which differs above U+FFFF. */
  public static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
    int i = 0, j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i), cb = b.codePointAt(j);
      if (ca != cb) return Integer.compare(ca, cb);
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  };

  private PythonJson() {}

  /** {@code json.dumps(node, indent=2, sort_keys=True)}, without a trailing newline. */
  public static String dumps(JsonNode node) {
    StringBuilder out = new StringBuilder();
    write(out, node, 0);
    return out.toString();
  }

  private static void write(StringBuilder out, JsonNode node, int depth) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.properties());
        if (fields.isEmpty()) {
          out.append("{}");
          return;
        }
        fields.sort(Map.Entry.comparingByKey(CODE_POINT_ORDER));
        out.append('{');
        for (int i = 0; i < fields.size(); i++) {
          if (i > 0) out.append(',');
          newline(out, depth + 1);
          string(out, fields.get(i).getKey());
          out.append(": ");
          write(out, fields.get(i).getValue(), depth + 1);
        }
        newline(out, depth);
        out.append('}');
      }
      case ARRAY -> {
        if (node.isEmpty()) {
          out.append("[]");
          return;
        }
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) out.append(',');
          newline(out, depth + 1);
          write(out, node.get(i), depth + 1);
        }
        newline(out, depth);
        out.append(']');
      }
      case STRING -> string(out, node.textValue());
      case BOOLEAN -> out.append(node.booleanValue() ? "true" : "false");
      case NULL, MISSING -> out.append("null");
      case NUMBER -> {
        if (node.isIntegralNumber()) out.append(node.bigIntegerValue());
        else out.append(floatRepr(node.doubleValue()));
      }
      default -> throw new IllegalArgumentException("not JSON data: " + node.getNodeType());
    }
  }

  private static void newline(StringBuilder out, int depth) {
    out.append('\n');
    out.repeat(' ', 2 * depth);
  }

  /** Python's {@code repr(float)}: shortest round-trip digits, scientific below 1e-4 and from 1e16 up. */
  public static String floatRepr(double v) {
    if (Double.isNaN(v)) return "NaN";
    if (Double.isInfinite(v)) return v > 0 ? "Infinity" : "-Infinity";
    if (v == 0) return (Double.doubleToRawLongBits(v) < 0) ? "-0.0" : "0.0";
    // Java's Double.toString also yields the shortest digits that round-trip; only the layout differs.
    BigDecimal d = shortest(Math.abs(v));
    String digits = d.unscaledValue().toString();
    int exponent = digits.length() - 1 - d.scale(); // decimal exponent of the first digit
    StringBuilder s = new StringBuilder(v < 0 ? "-" : "");
    if (exponent < -4 || exponent >= 16) {
      s.append(digits.charAt(0));
      if (digits.length() > 1) s.append('.').append(digits, 1, digits.length());
      s.append('e').append(exponent < 0 ? '-' : '+');
      int abs = Math.abs(exponent);
      if (abs < 10) s.append('0');
      s.append(abs);
    } else if (exponent < 0) {
      s.append("0.").repeat('0', -exponent - 1).append(digits);
    } else if (digits.length() <= exponent + 1) {
      s.append(digits).repeat('0', exponent + 1 - digits.length()).append(".0");
    } else {
      s.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
    }
    return s.toString();
  }

  /**
   * Shortest decimal that parses back to {@code v}. Double.toString is shortest too, except that it keeps two
   * digits in the "d.dE" form where one would do (4.9E-324 where Python prints 5e-324).
   */
  private static BigDecimal shortest(double v) {
    BigDecimal d = new BigDecimal(Double.toString(v)).stripTrailingZeros();
    for (int digits = 1; digits < d.precision(); digits++) {
      BigDecimal candidate = d.round(new java.math.MathContext(digits, java.math.RoundingMode.HALF_EVEN));
      if (candidate.doubleValue() == v) return candidate.stripTrailingZeros();
    }
    return d;
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c >= ' ' && c <= '~') out.append(c);
          else out.append(String.format("\\u%04x", (int) c));
        }
      }
    }
    out.append('"');
  }
}
