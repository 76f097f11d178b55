package vlmq.format.modelopt;

import java.nio.file.Path;
import vlmq.VlmqException;

/**
 * A ModelOpt quantization config vLLM would refuse while parsing it ({@code ModelOptQuantConfigBase.from_config});
 * {@link #engineMessage()} is the exception text vLLM prints, so {@code vlmq check} can quote it.
 */
public final class ModelOptConfigException extends VlmqException {
  private final String engineMessage;

  ModelOptConfigException(Path file, String engineMessage) {
    super(file + ": " + engineMessage + " — fix the file (or re-export it with vlmq).");
    this.engineMessage = engineMessage;
  }

  /** vLLM's own wording, e.g. {@code ValueError: exclude_modules must be a list, got <class 'str'>}. */
  public String engineMessage() {
    return engineMessage;
  }
}
