package vlmq.model;

/**
 * Which part of a vision-language model a tensor belongs to; quantization keeps vision and projector native and
 * treats the language model, its embeddings and its head separately.
 */
public enum Component {
  VISION("vision"),
  PROJECTOR("projector"),
  LANGUAGE("language"),
  LM_HEAD("lm_head"),
  EMBEDDINGS("embeddings"),
  OTHER("other");

  private final String id;

  Component(String id) {
    this.id = id;
  }

  /** The lower-case name used in reports and in the fixtures' expected.json. */
  public String id() {
    return id;
  }
}
