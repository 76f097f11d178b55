package vlmq.check;

import java.util.Map;
import java.util.Set;
import vlmq.io.safetensors.Checkpoint.Tensor;
import vlmq.numeric.DType;

/**
 * One Linear module as stored: its tensors by parameter name and its logical {@code [out, in]} (unpacked), with
 * whether the checkpoint holds it quantized.
 *
 * @param module the checkpoint's module name
 * @param vllmModule the same module in vLLM's naming
 * @param out logical out_features, 0 when unknown
 * @param in logical in_features, 0 when unknown
 */
record Shard(String module, String vllmModule, Map<String, Tensor> params, long out, long in) {
  /** Parameters that only quantized modules carry. */
  static final Set<String> QUANT_PARAMS = Set.of("weight_packed", "weight_scale", "weight_scale_2", "input_scale",
      "weight_global_scale", "input_global_scale", "weight_zero_point", "weight_shape", "qweight", "qzeros", "scales",
      "weight_scale_inv", "input_zero_point");

  Shard {
    params = Map.copyOf(params);
  }

  /** Quantized in the checkpoint: packed or 8-bit weights, or any quantization parameter. */
  boolean quantized() {
    var weight = params.get("weight");
    if (weight != null && (!weight.dtype().isFloatingPoint() || weight.dtype().bits() <= 8)) return true;
    return params.keySet().stream().anyMatch(QUANT_PARAMS::contains);
  }

  /** The stored weight tensor (plain, packed or GPTQ), null when the module has none. */
  Tensor storedWeight() {
    for (var name : new String[] {"weight", "weight_packed", "qweight"}) {
      if (params.containsKey(name)) return params.get(name);
    }
    return null;
  }

  /** What the stored weight is, e.g. {@code weight F8_E4M3}, for messages. */
  String storage() {
    var w = storedWeight();
    if (w == null) return "no weight";
    var name = w.name().substring(w.name().lastIndexOf('.') + 1);
    return name + " " + w.dtype().headerName();
  }

  boolean hasWeightDtype(DType dtype) {
    var w = storedWeight();
    return w != null && w.dtype() == dtype;
  }
}
