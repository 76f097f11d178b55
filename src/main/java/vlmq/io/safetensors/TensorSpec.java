package vlmq.io.safetensors;

import java.util.Arrays;
import vlmq.numeric.DType;

/** A tensor the {@link CheckpointWriter} will hold, declared before any data is written. */
public record TensorSpec(String name, DType dtype, long[] shape) {
  public TensorSpec {
    if (name == null || dtype == null || shape == null) throw new NullPointerException("name, dtype and shape");
    if (name.equals(SafetensorsHeader.METADATA_KEY)) throw new IllegalArgumentException("reserved name " + name);
    shape = shape.clone();
    for (long d : shape) {
      if (d < 0) throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
    }
    // Two 4-bit values share a byte along the last dimension; torch's float4_e2m1fn_x2 cannot load it otherwise.
    if (dtype.bits() == 4 && (shape.length == 0 || shape[shape.length - 1] % 2 != 0)) {
      throw new IllegalArgumentException(name + ": " + dtype + " needs an even last dimension, shape "
          + Arrays.toString(shape));
    }
    dtype.byteSize(TensorInfo.elementCount(shape)); // an ArithmeticException if the size overflows
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public long elementCount() {
    return TensorInfo.elementCount(shape);
  }

  public long byteSize() {
    return dtype.byteSize(elementCount());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape);
  }
}
