package vlmq.quantize;

import java.util.Locale;
import vlmq.VlmqException;

/** The checkpoint formats {@code vlmq quantize} writes. */
public enum CheckpointFormat {
  /** compressed-tensors, as llm-compressor saves it: vLLM and transformers load it. */
  COMPRESSED_TENSORS("compressed-tensors"),
  /** NVIDIA ModelOpt's HF export: vLLM, TensorRT-LLM and SGLang load it; transformers does not. */
  MODELOPT("modelopt");

  private final String id;

  CheckpointFormat(String id) {
    this.id = id;
  }

  /** The name on the command line: {@code compressed-tensors} or {@code modelopt}. */
  public String id() {
    return id;
  }

  public static CheckpointFormat parse(String value) {
    var key = value == null ? "" : value.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (var f : values()) if (f.id.equals(key)) return f;
    throw new VlmqException("unknown checkpoint format '" + value + "': use compressed-tensors or modelopt");
  }
}
