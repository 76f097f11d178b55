package vlmq.quantize;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import vlmq.VlmqException;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.format.modelopt.ExclusionList;
import vlmq.format.modelopt.ModelOptExport;
import vlmq.format.modelopt.ModelOptLayout;
import vlmq.format.modelopt.QuantAlgo;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.io.safetensors.TensorSpec;
import vlmq.plan.ModuleDecision;

/**
 * ModelOpt: each module's compressed-tensors parameters pass through its {@link ModelOptLayout}. Codes go straight
 * into the output; scales that change form (widened, repeated per channel, inverted) are quantized into a small heap
 * buffer and converted when the module's last rows are done. One ModelOpt algo must hold every config group.
 */
final class ModelOptOutputLayout implements OutputLayout {
  private final QuantAlgo algo;
  private final Map<String, ModelOptLayout> layouts;

  private ModelOptOutputLayout(QuantAlgo algo, Map<String, ModelOptLayout> layouts) {
    this.algo = algo;
    this.layouts = layouts;
  }

  /** @throws VlmqException when a scheme has no ModelOpt form, or the plan needs several ModelOpt algos */
  static ModelOptOutputLayout of(QuantizeJob.Planned planned) {
    var layouts = new HashMap<String, ModelOptLayout>();
    var algos = new HashMap<QuantAlgo, String>();
    for (ModuleDecision d : planned.plan().decisions()) {
      if (!d.quantized()) continue;
      var layout = ModelOptLayout.of(d.layout(), d.scheme().inputActivations());
      layouts.put(d.module(), layout);
      algos.putIfAbsent(layout.algo(), d.module());
    }
    if (algos.size() > 1) {
      throw new VlmqException("the recipe needs several ModelOpt algos " + algos + ", and vlmq writes ModelOpt"
          + " checkpoints with one quant_algo: use one scheme, or --format compressed-tensors");
    }
    return new ModelOptOutputLayout(algos.keySet().iterator().next(), layouts);
  }

  @Override
  public List<TensorSpec> specs(ModuleDecision module) {
    return layouts.get(module.module()).modelOptSpecs();
  }

  @Override
  public Outputs outputs(ModuleDecision module, CheckpointWriter writer) {
    var targets = new EnumMap<LinearParam, Target>(LinearParam.class);
    var pending = new ArrayList<Runnable>();
    for (var link : layouts.get(module.module()).links()) {
      var param = param(module, link.compressedTensors());
      String name = link.modelOpt().name();
      if (link.transform() == ModelOptLayout.Transform.COPY) {
        targets.put(param, new Target.Tensor(name));
      } else {
        var scratch = MemorySegment.ofArray(new byte[Math.toIntExact(link.compressedTensors().byteSize())]);
        targets.put(param, new Target.Buffer(scratch));
        pending.add(() -> {
          var out = MemorySegment.ofArray(new byte[Math.toIntExact(link.modelOpt().byteSize())]);
          link.toModelOpt(scratch, out);
          writer.write(name, 0, out);
        });
      }
    }
    return new Outputs(targets, () -> pending.forEach(Runnable::run));
  }

  @Override
  public void writeConfigs(Path staging, QuantizeJob.Planned planned) {
    var kept = new ArrayList<String>();
    var quantized = new ArrayList<String>();
    for (var d : planned.plan().decisions()) (d.quantized() ? quantized : kept).add(d.module());
    ModelOptExport.of(algo, Optional.empty(), ExclusionList.of(planned.map(), kept, quantized),
        CompressedTensorsLayout.quantizationConfig(planned)).write(staging, planned.config().root());
  }

  private static LinearParam param(ModuleDecision module, TensorSpec ct) {
    for (var t : module.layout().tensors()) if (t.name().equals(ct.name())) return t.param();
    throw new IllegalStateException(ct.name() + " is not a tensor of " + module.module() + "'s layout");
  }
}
