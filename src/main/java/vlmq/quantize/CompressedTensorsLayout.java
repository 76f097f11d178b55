package vlmq.quantize;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.format.compressedtensors.QuantizationConfigJson;
import vlmq.io.PythonJson;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.io.safetensors.TensorSpec;
import vlmq.plan.ModuleDecision;

/** compressed-tensors: the quantizers' parameters are the checkpoint's tensors. */
final class CompressedTensorsLayout implements OutputLayout {
  @Override
  public List<TensorSpec> specs(ModuleDecision module) {
    return module.layout().specs();
  }

  @Override
  public Outputs outputs(ModuleDecision module, CheckpointWriter writer) {
    var targets = new EnumMap<LinearParam, Target>(LinearParam.class);
    for (var t : module.layout().tensors()) targets.put(t.param(), new Target.Tensor(t.name()));
    return new Outputs(targets, () -> {});
  }

  @Override
  public void writeConfigs(Path staging, QuantizeJob.Planned planned) {
    var config = QuantizationConfigJson.withQuantizationConfig(planned.config().root(), quantizationConfig(planned));
    QuantizeJob.writeText(staging.resolve("config.json"), PythonJson.dumps(config) + "\n");
  }

  /** The {@code quantization_config} compressed-tensors records for the plan. */
  static ObjectNode quantizationConfig(QuantizeJob.Planned planned) {
    var plan = planned.plan();
    return QuantizationConfigJson.of(plan.configGroups(), plan.ignoreList(), plan.recipe().kvCacheScheme());
  }
}
