package vlmq.engine.tensor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import vlmq.VlmqException;
import vlmq.io.safetensors.Checkpoint;
import vlmq.model.FamilyMap;
import vlmq.model.ModelConfig;
import vlmq.numeric.DType;
import vlmq.numeric.Kernels;

/**
 * A checkpoint's tensors under transformers' runtime names ({@code model.visual.blocks.0.attn.qkv.weight},
 * {@code model.language_model.layers.0...}, {@code lm_head.weight}) whichever key layout the files use, so model code
 * names each tensor once. Matrices stay in the memory mapping; only vectors (norms, biases) are copied to the heap.
 */
public final class Weights implements AutoCloseable {
  private final Checkpoint checkpoint;
  private final Map<String, Checkpoint.Tensor> byRuntimeName;

  private Weights(Checkpoint checkpoint, Map<String, Checkpoint.Tensor> byRuntimeName) {
    this.checkpoint = checkpoint;
    this.byRuntimeName = byRuntimeName;
  }

  /** Opens the safetensors files of {@code dir} and maps every stored name to its runtime name (FamilyMap). */
  public static Weights open(Path dir, ModelConfig config) {
    Checkpoint checkpoint = Checkpoint.open(dir);
    try {
      Map<String, long[]> shapes = checkpoint.tensors().stream()
          .collect(Collectors.toMap(Checkpoint.Tensor::name, Checkpoint.Tensor::shape));
      FamilyMap map = FamilyMap.of(config, shapes);
      var byRuntime = new HashMap<String, Checkpoint.Tensor>();
      for (Checkpoint.Tensor t : checkpoint.tensors()) {
        String runtime = map.names(t.name()).transformers();
        Checkpoint.Tensor before = byRuntime.put(runtime, t);
        if (before != null) {
          throw new VlmqException(dir + " stores " + runtime + " twice, as " + before.name() + " and " + t.name()
              + " (a mix of key layouts); keep one of them");
        }
      }
      return new Weights(checkpoint, byRuntime);
    } catch (RuntimeException e) {
      checkpoint.close();
      throw e;
    }
  }

  public Path dir() {
    return checkpoint.dir();
  }

  public boolean contains(String runtimeName) {
    return byRuntimeName.containsKey(runtimeName);
  }

  /**
   * The matrix {@code name} as {@code [rows, cols]}; trailing dimensions are flattened into columns (a Conv3d
   * patch embedding {@code [C, 3, T, P, P]} is {@code [C, 3·T·P·P]}).
   */
  public LinearWeights linear(String name, int rows, int cols) {
    String module = name.substring(0, name.lastIndexOf('.') + 1);
    if (!contains(name) && (contains(module + "weight_packed") || contains(module + "qweight"))) {
      throw new VlmqException(checkpoint.dir() + " stores " + module + "weight quantized (packed); the engine runs"
          + " unquantized BF16, F16 and F32 weights so far: run it on the original checkpoint");
    }
    Checkpoint.Tensor t = tensor(name);
    long[] shape = t.shape();
    long flat = Arrays.stream(shape).skip(1).reduce(1, Math::multiplyExact);
    if (shape.length < 2 || shape[0] != rows || flat != cols) {
      throw mismatch(t, "[" + rows + ", " + cols + "]");
    }
    if (t.dtype() != DType.BF16 && t.dtype() != DType.F16 && t.dtype() != DType.F32) {
      throw new VlmqException(t.name() + " in " + t.file().path() + " is " + t.dtype() + "; the engine runs"
          + " BF16, F16 and F32 weights");
    }
    return new DenseWeights(t.data(), t.dtype(), rows, cols);
  }

  /** The 1-D tensor {@code name} (a norm weight or bias) as float32. */
  public float[] vector(String name, int length) {
    Checkpoint.Tensor t = tensor(name);
    if (t.shape().length != 1 || t.shape()[0] != length) throw mismatch(t, "[" + length + "]");
    float[] out = new float[length];
    Kernels k = Kernels.get();
    switch (t.dtype()) {
      case BF16 -> k.bf16ToF32(t.data(), 0, out, 0, length);
      case F16 -> k.f16ToF32(t.data(), 0, out, 0, length);
      case F32 -> k.f32ToF32(t.data(), 0, out, 0, length);
      default -> throw new VlmqException(t.name() + " in " + t.file().path() + " is " + t.dtype()
          + "; expected a BF16, F16 or F32 vector");
    }
    return out;
  }

  private Checkpoint.Tensor tensor(String name) {
    Checkpoint.Tensor t = byRuntimeName.get(name);
    if (t == null) {
      throw new VlmqException(checkpoint.dir() + " has no tensor " + name + " (in any key layout): the checkpoint"
          + " does not match its config.json, or is incomplete");
    }
    return t;
  }

  private static VlmqException mismatch(Checkpoint.Tensor t, String expected) {
    return new VlmqException(t.name() + " in " + t.file().path() + " has shape " + Arrays.toString(t.shape())
        + " but config.json implies " + expected);
  }

  @Override
  public void close() {
    checkpoint.close();
  }
}
