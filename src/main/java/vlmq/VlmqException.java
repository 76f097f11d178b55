package vlmq;

/**
 * A problem the user can act on: bad input, a refused request, an unreadable checkpoint.
 * The CLI prints {@link #getMessage()} as one line and exits with {@link #exitCode()}, never a stack trace,
 * so the message must name the file/tensor/field at fault and say what to do.
 */
public class VlmqException extends RuntimeException {
  private final int exitCode;

  public VlmqException(String message) {
    this(message, 2, null);
  }

  public VlmqException(String message, Throwable cause) {
    this(message, 2, cause);
  }

  public VlmqException(String message, int exitCode, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
