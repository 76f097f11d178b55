package vlmq.io.safetensors;

import java.nio.file.Path;
import vlmq.VlmqException;

/**
 * A checkpoint file or index that breaks the safetensors format. Checkpoints are untrusted input, so every
 * defect the reader finds ends here, with the file (and tensor) named, never as another exception type.
 */
public final class CheckpointFormatException extends VlmqException {
  private static final int MAX_QUOTED = 200;
  private static final String ADVICE = " — the file is corrupt or was written by a buggy tool; re-download or re-export it.";

  public CheckpointFormatException(String message) {
    super(message);
  }

  public CheckpointFormatException(String message, Throwable cause) {
    super(message, cause);
  }

  /** "{@code file}: {@code problem} — the file is corrupt …": the form of every format error. */
  static CheckpointFormatException corrupt(Path file, String problem) {
    return new CheckpointFormatException(label(file) + ": " + problem + ADVICE);
  }

  static CheckpointFormatException corrupt(Path file, String problem, Throwable cause) {
    return new CheckpointFormatException(label(file) + ": " + problem + ADVICE, cause);
  }

  /** Same, for one tensor of the file. */
  static CheckpointFormatException corrupt(Path file, String tensor, String problem) {
    return corrupt(file, "tensor " + quote(tensor) + ": " + problem);
  }

  /**
   * A name read from a file, quoted for a one-line message: control characters escaped and long names cut,
   * since a hostile header may hold megabytes of newlines in a name.
   */
  static String quote(String name) {
    var out = new StringBuilder(Math.min(name.length(), MAX_QUOTED) + 8).append('\'');
    int i = 0;
    for (; i < name.length() && i < MAX_QUOTED; i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    if (i < name.length()) out.append("…(").append(name.length()).append(" chars)");
    return out.append('\'').toString();
  }

  /** Files are named by their file name, as users see them in the model folder. */
  static String label(Path file) {
    Path name = file.getFileName();
    return name == null ? file.toString() : name.toString();
  }
}
