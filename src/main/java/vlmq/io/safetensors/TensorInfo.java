package vlmq.io.safetensors;

import java.util.Arrays;
import vlmq.numeric.DType;

/**
 * One header entry of a safetensors file: its data lies at {@code [begin, end)} of the file's data section
 * (the bytes after the header). The reader only builds entries whose size, shape and range it has checked.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
  public TensorInfo {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Product of the shape; 1 for a scalar (empty shape). */
  public long elementCount() {
    return elementCount(shape);
  }

  public long byteSize() {
    return end - begin;
  }

  static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) n = Math.multiplyExact(n, d);
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
        && begin == t.begin && end == t.end;
  }

  @Override
  public int hashCode() {
    return (name.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(begin);
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
  }
}
