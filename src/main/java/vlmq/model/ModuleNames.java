package vlmq.model;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * One module's name as each loader spells it, so ignore lists can be written that transformers, the original hub
 * layout and vLLM all match.
 *
 * @param transformers transformers 5.x runtime name ({@code model.visual.blocks.0.attn.qkv})
 * @param hub names in the family's original checkpoint layout ({@code visual.blocks.0.attn.qkv}); several where
 *     hub checkpoints differ (CLIP/SigLIP towers with and without the {@code vision_model} level)
 * @param vllm vLLM's module name after its {@code hf_to_vllm_mapper} ({@code visual.blocks.0.attn.qkv})
 */
public record ModuleNames(String transformers, List<String> hub, String vllm) {
  public ModuleNames {
    hub = List.copyOf(hub);
  }

  /** Every distinct spelling: transformers first, then hub, then vLLM. */
  public List<String> all() {
    var all = new LinkedHashSet<String>();
    all.add(transformers);
    all.addAll(hub);
    all.add(vllm);
    return List.copyOf(all);
  }
}
