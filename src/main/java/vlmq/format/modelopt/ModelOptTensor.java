package vlmq.format.modelopt;

import java.util.Arrays;
import vlmq.numeric.DType;

/**
 * One tensor ModelOpt writes for a quantized module: {@code <module>.<suffix>}, its dtype and shape. A scalar
 * ({@code shape.length == 0}) is written 0-dimensional by ModelOpt; engines also accept {@code [1]}.
 */
public record ModelOptTensor(String suffix, DType dtype, long[] shape) {
  public ModelOptTensor {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public boolean scalar() {
    return shape.length == 0;
  }

  /** The full tensor name under {@code module}. */
  public String name(String module) {
    return module + "." + suffix;
  }

  /** Whether {@code actual} is this shape (a scalar also as {@code [1]}). */
  public boolean matchesShape(long[] actual) {
    if (scalar()) return actual.length == 0 || (actual.length == 1 && actual[0] == 1);
    return Arrays.equals(shape, actual);
  }

  /** For messages: {@code weight_scale F32 []}. */
  public String describe() {
    return suffix + " " + dtype.headerName() + " " + Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelOptTensor t && suffix.equals(t.suffix) && dtype == t.dtype
        && Arrays.equals(shape, t.shape);
  }

  @Override
  public int hashCode() {
    return suffix.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return describe();
  }
}
