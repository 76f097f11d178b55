package vlmq.quantize;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import vlmq.io.safetensors.TensorSpec;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.plan.ModuleDecision;

/**
 * What differs between the checkpoint formats a job writes: the tensors a quantized module becomes, where its
 * quantizer's outputs go, and the config files describing the quantization. The quantizers always produce
 * compressed-tensors' parameters; a format whose tensors differ receives them through {@link Outputs#finish()}.
 */
sealed interface OutputLayout permits CompressedTensorsLayout, ModelOptOutputLayout {
  /** The tensors written in place of a quantized module's weight, in declaration order. */
  List<TensorSpec> specs(ModuleDecision module);

  /** The segments the module's quantizer fills, and the step that completes the tensors once every row is done. */
  Outputs outputs(ModuleDecision module, Function<String, MemorySegment> segments);

  /** Writes {@code config.json} and the format's other config files into {@code staging}. */
  void writeConfigs(Path staging, QuantizeJob.Planned planned);

  /** A module's quantizer outputs and its finishing step (nothing, for compressed-tensors). */
  record Outputs(Map<LinearParam, MemorySegment> segments, Runnable finish) {}

  static OutputLayout of(CheckpointFormat format, QuantizeJob.Planned planned) {
    return switch (format) {
      case COMPRESSED_TENSORS -> new CompressedTensorsLayout();
      case MODELOPT -> ModelOptOutputLayout.of(planned);
    };
  }
}
