package vlmq.engine.tensor;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import vlmq.VlmqException;
import vlmq.io.safetensors.Checkpoint;
import vlmq.model.Component;
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
  private final FamilyMap map;
  private final ServedQuantization served;

  private Weights(Checkpoint checkpoint, Map<String, Checkpoint.Tensor> byRuntimeName, FamilyMap map,
      ServedQuantization served) {
    this.checkpoint = checkpoint;
    this.byRuntimeName = byRuntimeName;
    this.map = map;
    this.served = served;
  }

  /**
   * Opens the safetensors files of {@code dir} and maps every stored name to its runtime name (FamilyMap); a
   * quantization config (config.json's {@code quantization_config}, or ModelOpt's hf_quant_config.json) is read for
   * what the stored tensors of quantized Linears do not say.
   */
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
      return new Weights(checkpoint, byRuntime, map, ServedQuantization.read(config, dir));
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
   * patch embedding {@code [C, 3, T, P, P]} is {@code [C, 3·T·P·P]}). A Linear stored quantized (compressed-tensors
   * or ModelOpt: {@code weight_scale} beside {@code weight} or {@code weight_packed}) comes back as
   * {@link QuantizedWeights}, its codes read in place, with the input quantization vLLM applies to it; everything
   * else as {@link DenseWeights}.
   */
  public LinearWeights linear(String name, int rows, int cols) {
    String module = name.substring(0, name.lastIndexOf('.'));
    if (name.endsWith(".weight") && contains(module + ".weight_scale")) {
      Checkpoint.Tensor scale = tensor(module + ".weight_scale");
      String stored = scale.name().substring(0, scale.name().lastIndexOf('.'));
      return QuantizedLinearReader.read(n -> Optional.ofNullable(byRuntimeName.get(n)), module, rows, cols,
          served.of(map.names(stored)));
    }
    if (!contains(name) && contains(module + ".qweight")) {
      throw new VlmqException(checkpoint.dir() + " stores " + module + " as GPTQ/AWQ qweight; the engine runs"
          + " compressed-tensors and ModelOpt quantized weights: convert it, or run the original checkpoint");
    }
    Checkpoint.Tensor t = tensor(name);
    long[] shape = t.shape();
    long flat = Arrays.stream(shape).skip(1).reduce(1, Math::multiplyExact);
    if (shape.length < 2 || shape[0] != rows || flat != cols) {
      throw mismatch(t, "[" + rows + ", " + cols + "]");
    }
    if (t.dtype() != DType.BF16 && t.dtype() != DType.F16 && t.dtype() != DType.F32) {
      throw new VlmqException(t.name() + " in " + t.file().path() + " is " + t.dtype() + " without a weight_scale;"
          + " the engine runs BF16, F16 and F32 weights, and quantized ones with their scales");
    }
    return new DenseWeights(t.data(), t.dtype(), rows, cols);
  }

  /**
   * What the engine does not reproduce of how vLLM would serve the quantized Linears loaded so far (activation
   * schemes it does not emulate), once each; empty for unquantized checkpoints.
   */
  public List<String> quantizationNotes() {
    return served.notes();
  }

  /** A Linear module of the checkpoint: runtime name (no {@code .weight}), component and {@code [rows, cols]}. */
  public record LinearModule(String name, Component component, int rows, int cols) {}

  /**
   * Every Linear module stored in the checkpoint (plain or quantized; a tied lm_head is not stored), by runtime name
   * in natural order; the shape is the logical {@code [out, in]} whatever the packing.
   */
  public List<LinearModule> linearModules() {
    var out = new ArrayList<LinearModule>();
    for (String stored : map.linearModules()) {
      String runtime = map.names(stored).transformers();
      Checkpoint.Tensor weight = byRuntimeName.get(runtime + ".weight");
      Checkpoint.Tensor packed = byRuntimeName.get(runtime + ".weight_packed");
      Checkpoint.Tensor shape = byRuntimeName.get(runtime + ".weight_shape");
      long[] dims;
      if (weight != null) {
        dims = weight.shape();
      } else if (shape != null && shape.dtype() == DType.I64 && shape.byteSize() == 16) {
        dims = shape.data().toArray(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
      } else if (packed != null && packed.dtype() == DType.U8 && packed.shape().length == 2) {
        dims = new long[] {packed.shape()[0], 2 * packed.shape()[1]}; // two FP4 codes per byte
      } else {
        continue; // GPTQ/AWQ layouts: not runnable here, and linear() says so
      }
      Checkpoint.Tensor any = weight != null ? weight : packed;
      out.add(new LinearModule(runtime, map.role(any.name()).component(), Math.toIntExact(dims[0]),
          Math.toIntExact(Arrays.stream(dims).skip(1).reduce(1, Math::multiplyExact))));
    }
    return out;
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
