package vlmq.quantize;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.io.safetensors.TensorSpec;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.plan.ModuleDecision;

/**
 * What differs between the checkpoint formats a job writes: the tensors a quantized module becomes, where its
 * quantizer's outputs go, and the config files describing the quantization. The quantizers always produce
 * compressed-tensors' parameters; a format whose tensors differ receives them in a {@link Target.Buffer} and
 * converts them in {@link Outputs#finish()}.
 */
sealed interface OutputLayout permits CompressedTensorsLayout, ModelOptOutputLayout {
  /** The tensors written in place of a quantized module's weight, in declaration order. */
  List<TensorSpec> specs(ModuleDecision module);

  /** Where the module's quantizer outputs go, and the step that completes the tensors once every row is done. */
  Outputs outputs(ModuleDecision module, CheckpointWriter writer);

  /** Writes {@code config.json} and the format's other config files into {@code staging}. */
  void writeConfigs(Path staging, QuantizeJob.Planned planned);

  /** A module's quantizer outputs and its finishing step (nothing, for compressed-tensors). */
  record Outputs(Map<LinearParam, Target> targets, Runnable finish) {}

  /** Where one quantizer parameter goes. */
  sealed interface Target {
    /** Straight into the output tensor of this name, row range by row range. */
    record Tensor(String name) implements Target {}

    /** Into this buffer of the whole parameter, which the finishing step converts and writes. */
    record Buffer(MemorySegment whole) implements Target {}
  }

  static OutputLayout of(CheckpointFormat format, QuantizeJob.Planned planned) {
    return switch (format) {
      case COMPRESSED_TENSORS -> new CompressedTensorsLayout();
      case MODELOPT -> ModelOptOutputLayout.of(planned);
    };
  }
}
