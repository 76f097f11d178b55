package vlmq.recipe;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import vlmq.VlmqException;
import vlmq.model.ModuleNames;

/**
 * One target or ignore entry as compressed-tensors reads it ({@code utils/match.py}): {@code re:<pattern>} is
 * Python's {@code re.match} (anchored at the start only, so {@link java.util.regex.Matcher#lookingAt}); any other
 * text must equal the module name, or name a class of the module ({@code Linear}, {@code Embedding}).
 *
 * <p>Unlike compressed-tensors, which sees one spelling of each name, a rule matches a module when it matches any
 * of the module's spellings (checkpoint, transformers runtime, vLLM): {@code re:visual\..*} and
 * {@code re:model\.visual\..*} then keep the same Qwen vision tower whatever layout the checkpoint uses.
 *
 * @param pattern the translated regex for {@code re:} rules, null for plain ones
 */
public record Rule(String text, Pattern pattern) {
  /** How a rule matched a module; compressed-tensors ranks target matches in this order. */
  public enum Match {
    EXACT_NAME,
    REGEX,
    CLASS
  }

  private static final String REGEX_PREFIX = "re:";
  private static final Pattern CLASS_LIKE = Pattern.compile("[A-Z][A-Za-z0-9_]*");

  /** Parses a rule; a {@code re:} rule whose regex does not compile is a {@link VlmqException} naming it. */
  public static Rule parse(String text) {
    if (text == null || text.isBlank()) throw new VlmqException("empty target/ignore rule: give a module name, re:<regex> or a class name");
    if (!text.startsWith(REGEX_PREFIX)) return new Rule(text, null);
    var python = text.substring(REGEX_PREFIX.length());
    try {
      return new Rule(text, Pattern.compile(javaRegex(python)));
    } catch (PatternSyntaxException e) {
      throw new VlmqException("rule '" + text + "' is not a valid regular expression: " + e.getDescription()
          + " near index " + e.getIndex() + " (rules use Python's re syntax)", e);
    }
  }

  public boolean isRegex() {
    return pattern != null;
  }

  /** A plain rule spelled like a Python class name (CamelCase), which compressed-tensors compares to classes. */
  public boolean looksLikeClass() {
    return pattern == null && CLASS_LIKE.matcher(text).matches();
  }

  /**
   * How this rule matches a module, or null: by name (exactly, or by regex at the start) in any spelling, else by
   * the module's class.
   *
   * @param moduleClass the module's torch class name, e.g. {@code Linear}
   */
  public Match match(ModuleNames names, String moduleClass) {
    for (var name : names.all()) {
      if (pattern != null ? pattern.matcher(name).lookingAt() : text.equals(name)) {
        return pattern != null ? Match.REGEX : Match.EXACT_NAME;
      }
    }
    return pattern == null && text.equals(moduleClass) ? Match.CLASS : null;
  }

  public boolean matches(ModuleNames names, String moduleClass) {
    return match(names, moduleClass) != null;
  }

  /** {@code name} as a regex literal that Python and Java read alike: every non-word character escaped. */
  public static String literal(String name) {
    return name.replaceAll("([^A-Za-z0-9_])", "\\\\$1");
  }

  @Override
  public String toString() {
    return text;
  }

  /**
   * Python's named groups ({@code (?P<name>…)}, {@code (?P=name)}) in Java syntax. Java group names allow no
   * underscore, so every group is renamed; {@code \Z} (Python: end of string) becomes Java's {@code \z}.
   */
  static String javaRegex(String python) {
    var out = new StringBuilder();
    Map<String, String> groups = new HashMap<>();
    for (int i = 0; i < python.length(); i++) {
      char c = python.charAt(i);
      if (c == '\\' && i + 1 < python.length()) {
        char next = python.charAt(i + 1);
        out.append(next == 'Z' ? "\\z" : "\\" + next);
        i++;
      } else if (python.startsWith("(?P<", i)) {
        int end = python.indexOf('>', i);
        if (end < 0) throw new PatternSyntaxException("unterminated group name", python, i);
        var java = "g" + (groups.size() + 1) + "x";
        groups.put(python.substring(i + 4, end), java);
        out.append("(?<").append(java).append('>');
        i = end;
      } else if (python.startsWith("(?P=", i)) {
        int end = python.indexOf(')', i);
        var java = end < 0 ? null : groups.get(python.substring(i + 4, end));
        if (java == null) throw new PatternSyntaxException("unknown group name", python, i);
        out.append("\\k<").append(java).append('>');
        i = end;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
