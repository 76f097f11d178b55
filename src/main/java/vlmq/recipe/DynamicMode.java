package vlmq.recipe;

/**
 * The {@code dynamic} field, which compressed-tensors types as {@code bool | "local"}: {@code false} stores
 * every qparam, {@code true} computes them at run time, {@code "local"} (TENSOR_GROUP only) stores just the
 * global scale and computes the per-group scales at run time.
 */
public enum DynamicMode {
  STATIC,
  DYNAMIC,
  LOCAL;

  /** True for {@code true} and {@code "local"}, matching Python's truthiness of the field. */
  public boolean isDynamic() {
    return this != STATIC;
  }
}
