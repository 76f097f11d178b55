package vlmq.model;

/**
 * What a stored tensor is to its module, so quantization can pick Linear weights and leave the rest alone.
 * {@link #QUANT_PARAM} covers what quantized checkpoints add next to (or instead of) a weight: scales, zero
 * points, packed weights, KV-cache scales.
 */
public enum TensorKind {
  LINEAR_WEIGHT("linear_weight"),
  LINEAR_BIAS("linear_bias"),
  CONV("conv"),
  NORM("norm"),
  EMBEDDING("embedding"),
  QUANT_PARAM("quant_param"),
  OTHER("other");

  private final String id;

  TensorKind(String id) {
    this.id = id;
  }

  /** The lower-case name used in reports and in the fixtures' expected.json. */
  public String id() {
    return id;
  }
}
