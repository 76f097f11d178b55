package vlmq.check;

import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** The two pattern languages exclusion lists use: Python's {@code fnmatch} globs and {@code re.match} regexes. */
final class Patterns {
  private Patterns() {}

  /** {@code fnmatch.fnmatch(name, pattern)} on POSIX: {@code *}, {@code ?}, {@code [seq]}, {@code [!seq]}, whole name. */
  static boolean fnmatch(String name, String pattern) {
    return glob(pattern).matcher(name).matches();
  }

  /** Whether {@code pattern} uses glob syntax (and so is not a plain name). */
  static boolean isGlob(String pattern) {
    return pattern.indexOf('*') >= 0 || pattern.indexOf('?') >= 0 || pattern.indexOf('[') >= 0;
  }

  /**
   * Python's {@code re.match(regex, name)}: anchored at the start only. Empty when the regex does not compile in Java
   * (Python-only syntax), so callers can tell "no match" from "cannot tell".
   */
  static Optional<Boolean> reMatch(String regex, String name) {
    try {
      return Optional.of(Pattern.compile(regex).matcher(name).lookingAt());
    } catch (PatternSyntaxException e) {
      return Optional.empty();
    }
  }

  private static Pattern glob(String pattern) {
    var rx = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      switch (c) {
        case '*' -> rx.append(".*");
        case '?' -> rx.append('.');
        case '[' -> {
          int close = pattern.indexOf(']', i + 2);
          if (close < 0) {
            rx.append("\\[");
            break;
          }
          var body = pattern.substring(i + 1, close).replace("\\", "\\\\").replace("[", "\\[")
              .replace("&", "\\&");
          rx.append('[').append(body.startsWith("!") ? "^" + body.substring(1) : body).append(']');
          i = close;
        }
        default -> rx.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(rx.toString(), Pattern.DOTALL);
  }
}
