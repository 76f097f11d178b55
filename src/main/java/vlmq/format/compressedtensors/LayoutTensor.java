package vlmq.format.compressedtensors;

import vlmq.io.safetensors.TensorSpec;
import vlmq.numeric.DType;

/**
 * One tensor a quantized Linear contributes to the checkpoint: the {@link TensorSpec} to declare to the writer,
 * and the role the quantizer fills it by.
 */
public record LayoutTensor(TensorRole role, TensorSpec spec) {
  public String name() {
    return spec.name();
  }

  public DType dtype() {
    return spec.dtype();
  }

  public long[] shape() {
    return spec.shape();
  }

  public long byteSize() {
    return spec.byteSize();
  }

  @Override
  public String toString() {
    return spec.toString();
  }
}
