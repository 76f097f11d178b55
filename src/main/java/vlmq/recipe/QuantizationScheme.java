package vlmq.recipe;

import java.util.List;
import vlmq.VlmqException;

/**
 * One config group of a compressed-tensors config: the modules it targets and how their weights and
 * activations are quantized ({@code QuantizationScheme}, CT 0.18). Construction applies CT's validation:
 * input activations only with token/tensor/group/tensor_group/attn_head strategies, no actorder on
 * activations, and never the {@code mixed-precision} format.
 *
 * @param format the per-group compression format; null until filled in (LC always fills it, see
 *     {@link #withInferredFormat()})
 */
public record QuantizationScheme(
    List<String> targets,
    QuantizationArgs weights,
    QuantizationArgs inputActivations,
    QuantizationArgs outputActivations,
    CompressionFormat format) {

  public QuantizationScheme {
    if (targets == null || targets.isEmpty())
      throw new VlmqException("Invalid quantization scheme: targets must name at least one module or class, e.g. [\"Linear\"].");
    targets = List.copyOf(targets);
    if (inputActivations != null) {
      if (!List.of(Strategy.TOKEN, Strategy.TENSOR, Strategy.GROUP, Strategy.TENSOR_GROUP, Strategy.ATTN_HEAD)
          .contains(inputActivations.strategy()))
        throw new VlmqException("Invalid quantization scheme: strategy '" + inputActivations.strategy().json()
            + "' is not supported for input activations.");
      if (inputActivations.actorder() != null)
        throw new VlmqException("Invalid quantization scheme: actorder cannot be applied to input activations.");
    }
    if (outputActivations != null && outputActivations.actorder() != null)
      throw new VlmqException("Invalid quantization scheme: actorder cannot be applied to output activations.");
    if (format == CompressionFormat.MIXED_PRECISION)
      throw new VlmqException("Invalid quantization scheme: mixed-precision is a model-level format, not a scheme format.");
  }

  /** This scheme with {@code format} set to what compressed-tensors infers for a Linear (§1.5). */
  public QuantizationScheme withInferredFormat() {
    return withFormat(CompressionFormat.infer(this));
  }

  public QuantizationScheme withFormat(CompressionFormat value) {
    return new QuantizationScheme(targets, weights, inputActivations, outputActivations, value);
  }

  public QuantizationScheme withTargets(List<String> value) {
    return new QuantizationScheme(value, weights, inputActivations, outputActivations, format);
  }
}
