package vlmq.engine.qwen;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import vlmq.engine.image.GridThw;
import vlmq.engine.image.PixelValues;
import vlmq.io.safetensors.Checkpoint;
import vlmq.numeric.DType;

/** One safetensors file written by tools/dump_engine_reference.py, read through the project's own reader. */
final class Dump implements AutoCloseable {
  static final Path ROOT = resource("/engine/qwen");

  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final Checkpoint file;

  private Dump(Path path) {
    this.file = Checkpoint.open(path);
  }

  static Dump open(String... parts) {
    return new Dump(ROOT.resolve(String.join("/", parts) + ".safetensors"));
  }

  static Path resource(String name) {
    try {
      return Path.of(Dump.class.getResource(name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("test resource " + name + " is missing", e);
    }
  }

  List<String> names() {
    return file.tensors().stream().map(Checkpoint.Tensor::name).toList();
  }

  boolean has(String name) {
    return file.find(name).isPresent();
  }

  long[] shape(String name) {
    return tensor(name).shape();
  }

  float[] floats(String name) {
    Checkpoint.Tensor t = tensor(name);
    if (t.dtype() != DType.F32) throw new IllegalStateException(name + " is " + t.dtype());
    return t.data().toArray(F32);
  }

  int[] ints(String name) {
    Checkpoint.Tensor t = tensor(name);
    if (t.dtype() != DType.I64) throw new IllegalStateException(name + " is " + t.dtype());
    MemorySegment data = t.data();
    return IntStream.range(0, (int) (data.byteSize() / 8)).map(i -> Math.toIntExact(data.get(I64, 8L * i))).toArray();
  }

  List<GridThw> grids() {
    if (!has("image_grid_thw")) return List.of();
    int[] g = ints("image_grid_thw");
    return IntStream.range(0, g.length / 3).mapToObj(i -> new GridThw(g[3 * i], g[3 * i + 1], g[3 * i + 2])).toList();
  }

  /** The reference {@code pixel_values} and grids of an inputs/&lt;processor&gt;/&lt;input&gt; file. */
  PixelValues pixels(int mergeSize) {
    long[] shape = shape("pixel_values");
    return new PixelValues(floats("pixel_values"), (int) shape[0], (int) shape[1], grids(), mergeSize);
  }

  private Checkpoint.Tensor tensor(String name) {
    return file.find(name).orElseThrow(() -> new IllegalStateException(file.dir() + " has no " + name));
  }

  @Override
  public void close() {
    file.close();
  }
}
