package vlmq.check;

import java.util.Locale;
import vlmq.VlmqException;

/** The serving stacks {@code vlmq check} predicts for; vLLM is modelled version by version, the others by known issues. */
public enum Engine {
  VLLM("vllm", "vLLM"),
  SGLANG("sglang", "SGLang"),
  TRTLLM("trtllm", "TensorRT-LLM"),
  TRANSFORMERS("transformers", "transformers");

  private final String id;
  private final String displayName;

  Engine(String id, String displayName) {
    this.id = id;
    this.displayName = displayName;
  }

  public String id() {
    return id;
  }

  public String displayName() {
    return displayName;
  }

  public static Engine parse(String value) {
    var key = value == null ? "" : value.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    for (var engine : values()) {
      if (engine.id.equals(key) || (engine == TRTLLM && key.equals("tensorrtllm"))) return engine;
    }
    throw new VlmqException("unknown engine '" + value + "': use vllm, sglang, trtllm or transformers");
  }
}
