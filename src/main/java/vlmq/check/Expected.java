package vlmq.check;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import vlmq.numeric.DType;

/**
 * A tensor a quantized layer needs under each shard module: parameter name, the dtypes the engine loads correctly,
 * and the shapes it accepts (empty: any).
 */
record Expected(String param, Set<DType> dtypes, List<long[]> shapes) {
  static final Set<DType> FLOATS = Set.of(DType.F32, DType.BF16, DType.F16);
  private static final List<long[]> SCALAR = List.of(new long[0], new long[] {1});

  Expected {
    dtypes = Set.copyOf(dtypes);
    shapes = List.copyOf(shapes);
  }

  static Expected exact(String param, DType dtype, long... shape) {
    return new Expected(param, Set.of(dtype), List.of(shape));
  }

  static Expected scalar(String param, Set<DType> dtypes) {
    return new Expected(param, dtypes, SCALAR);
  }

  static Expected any(String param, Set<DType> dtypes) {
    return new Expected(param, dtypes, List.of());
  }

  boolean shapeMatches(long[] shape) {
    return shapes.isEmpty() || shapes.stream().anyMatch(s -> Arrays.equals(s, shape));
  }

  /** {@code weight_scale F32 [] or [1]}. */
  String describe() {
    var types = dtypes.stream().map(DType::headerName).sorted().collect(Collectors.joining("/"));
    var dims = shapes.isEmpty() ? "any shape"
        : shapes.stream().map(Arrays::toString).collect(Collectors.joining(" or "));
    return param + " " + types + " " + dims;
  }
}
