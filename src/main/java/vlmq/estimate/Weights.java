package vlmq.estimate;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import vlmq.model.Component;
import vlmq.model.FamilyMap;
import vlmq.model.ModelConfig;
import vlmq.plan.QuantizationPlan;
import vlmq.plan.QuantizationPlan.Totals;
import vlmq.recipe.Recipe;

/**
 * The stored weights per component, and with a scheme what vlmq's vision-preserving default plan makes of them:
 * the language model's Linear layers quantized; vision tower, projector, lm_head, embeddings, Qwen3.5's
 * linear_attn blocks, MoE routers and the mtp head kept native. The plan is {@link QuantizationPlan}'s, sized by
 * the compressed-tensors layout of each quantized Linear.
 *
 * @param components sizes per component, every component present (zeros where the model has none)
 * @param plan the resolved plan; empty without a scheme
 */
public record Weights(Map<Component, Totals> components, Optional<QuantizationPlan> plan) {
  public Weights {
    components = Collections.unmodifiableMap(new EnumMap<>(components));
  }

  /**
   * Sizes the tensors of {@code model}, quantized with the preset {@code scheme} when it is not null.
   *
   * @throws vlmq.VlmqException for an unknown preset, one that needs calibration data, or a Linear the preset's
   *     group size does not divide
   */
  public static Weights of(ModelConfig config, ModelTensors model, String scheme) {
    if (scheme != null) {
      var plan = QuantizationPlan.resolve(Recipe.fromPreset(scheme, List.of()), config, model.tensors(), false);
      var out = new EnumMap<Component, Totals>(Component.class);
      for (var c : Component.values()) out.put(c, plan.totals(c));
      return new Weights(out, Optional.of(plan));
    }
    var map = FamilyMap.of(config, model.shapes());
    var bytes = new EnumMap<Component, Long>(Component.class);
    var linears = new EnumMap<Component, Integer>(Component.class);
    for (var t : model.tensors()) bytes.merge(map.role(t.name()).component(), t.byteSize(), Long::sum);
    for (var module : map.linearModules()) {
      linears.merge(map.role(module + ".weight").component(), 1, Integer::sum);
    }
    var out = new EnumMap<Component, Totals>(Component.class);
    for (var c : Component.values()) {
      long b = bytes.getOrDefault(c, 0L);
      out.put(c, new Totals(map.parameters(c), linears.getOrDefault(c, 0), 0, 0, b, b));
    }
    return new Weights(out, Optional.empty());
  }

  public Totals component(Component c) {
    return components.get(c);
  }

  /** The whole checkpoint. */
  public Totals total() {
    return sum(false);
  }

  /**
   * What vLLM loads to serve the model: everything but {@link Component#OTHER} (Qwen3.5's mtp head, loaded only as
   * a speculative-decoding drafter).
   */
  public Totals served() {
    return sum(true);
  }

  private Totals sum(boolean servedOnly) {
    long params = 0, quantized = 0, before = 0, after = 0;
    int linear = 0, quantizedModules = 0;
    for (var e : components.entrySet()) {
      if (servedOnly && e.getKey() == Component.OTHER) continue;
      var t = e.getValue();
      params += t.parameters();
      linear += t.linearModules();
      quantizedModules += t.quantizedModules();
      quantized += t.quantizedParameters();
      before += t.bytesBefore();
      after += t.bytesAfter();
    }
    return new Totals(params, linear, quantizedModules, quantized, before, after);
  }
}
