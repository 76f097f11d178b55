package vlmq.estimate;

import java.util.ArrayList;
import java.util.List;
import vlmq.VlmqException;
import vlmq.io.safetensors.TensorSpec;
import vlmq.numeric.DType;

/**
 * Collects the tensors a model stores, in the order modules declare them, with the shapes PyTorch gives
 * nn.Linear ({@code [out, in]}), norms and embeddings; every tensor takes the checkpoint dtype unless stated.
 */
final class TensorList {
  private final DType dtype;
  private final List<TensorSpec> tensors = new ArrayList<>();

  TensorList(DType dtype) {
    this.dtype = dtype;
  }

  DType dtype() {
    return dtype;
  }

  void add(String name, long... shape) {
    add(name, dtype, shape);
  }

  void add(String name, DType type, long... shape) {
    for (long d : shape) {
      if (d <= 0) throw new VlmqException("config.json gives " + name + " an empty dimension; check its sizes");
    }
    try {
      tensors.add(new TensorSpec(name, type, shape));
    } catch (ArithmeticException e) {
      throw new VlmqException("config.json makes " + name + " larger than a long can count; check its sizes", e);
    }
  }

  /** nn.Linear(in, out): {@code weight [out, in]} and, with bias, {@code bias [out]}. */
  void linear(String module, long in, long out, boolean bias) {
    add(module + ".weight", out, in);
    if (bias) add(module + ".bias", out);
  }

  /** A norm over {@code dim}: {@code weight}, and {@code bias} for LayerNorm. */
  void norm(String module, long dim, boolean bias) {
    add(module + ".weight", dim);
    if (bias) add(module + ".bias", dim);
  }

  List<TensorSpec> tensors() {
    return List.copyOf(tensors);
  }
}
