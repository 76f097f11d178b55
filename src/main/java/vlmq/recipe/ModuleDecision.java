package vlmq.recipe;

import vlmq.format.compressedtensors.LinearLayout;
import vlmq.model.Component;
import vlmq.numeric.DType;

/**
 * What the plan does with one Linear module.
 *
 * @param module the module's name in the checkpoint's spelling (its weight is {@code module + ".weight"})
 * @param weightShape {@code [out_features, in_features]}; arrays compare by identity, so compare with
 *     {@link java.util.Arrays#equals(long[], long[])}
 * @param group the config group ({@code group_0}, …) in the written config.json, null if kept
 * @param scheme that group's scheme (format filled in), null if kept
 * @param layout the compressed-tensors tensors written in place of the weight, null if kept
 * @param keptBy the ignore rule that keeps the module, or {@link #NOT_TARGETED}; null if quantized
 */
public record ModuleDecision(String module, Component component, DType weightDtype, long[] weightShape,
    String group, QuantizationScheme scheme, LinearLayout layout, String keptBy) {
  /** {@link #keptBy} of a module no target of the recipe matches. */
  public static final String NOT_TARGETED = "(matches no target)";

  public boolean quantized() {
    return group != null;
  }

  public long inFeatures() {
    return weightShape[1];
  }
}
