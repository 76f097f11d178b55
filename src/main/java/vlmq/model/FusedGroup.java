package vlmq.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Linear modules a serving engine loads as one fused layer (vLLM's {@code packed_modules_mapping}: q/k/v into
 * {@code qkv_proj}, gate/up into {@code gate_up_proj}, …); they must all be quantized alike or all kept, or vLLM
 * refuses the checkpoint ("Found a different quantization schemes for …").
 *
 * @param name the fused module as the engine names it, in the checkpoint's spelling (e.g.
 *     {@code model.layers.0.self_attn.qkv_proj})
 * @param members the checkpoint's Linear modules that form it, in the engine's shard order
 */
public record FusedGroup(String name, List<String> members) {
  public FusedGroup {
    members = List.copyOf(members);
  }

  /**
   * vLLM's packed_modules_mapping entries across the supported families (llama/qwen2 decoders, Qwen2.5-VL vision
   * MLP, CLIP/SigLIP/Idefics/Pixtral/Mllama attention, Qwen3.5 gated DeltaNet), in shard order.
   */
  private static final List<Map.Entry<String, List<String>>> PACKED = List.of(
      Map.entry("qkv_proj", List.of("q_proj", "k_proj", "v_proj")),
      Map.entry("gate_up_proj", List.of("gate_proj", "up_proj")),
      Map.entry("in_proj_qkvz", List.of("in_proj_qkv", "in_proj_z")),
      Map.entry("in_proj_ba", List.of("in_proj_b", "in_proj_a")));

  /** Per-expert Linear modules; vLLM's FusedMoE loads all experts of a layer as one module. */
  private static final Pattern EXPERT = Pattern.compile("(.*\\.experts)\\.\\d+\\.[^.]+");

  /** The fused groups of two or more members among {@code linearModules}, ordered by name. */
  public static List<FusedGroup> of(Collection<String> linearModules) {
    var groups = new TreeMap<String, List<String>>(NaturalOrder.INSTANCE);
    for (var module : linearModules) {
      var expert = EXPERT.matcher(module);
      if (expert.matches()) {
        groups.computeIfAbsent(expert.group(1), k -> new ArrayList<>()).add(module);
        continue;
      }
      int dot = module.lastIndexOf('.');
      var parent = module.substring(0, dot + 1);
      var shard = module.substring(dot + 1);
      for (var packed : PACKED) {
        if (packed.getValue().contains(shard)) {
          groups.computeIfAbsent(parent + packed.getKey(), k -> new ArrayList<>()).add(module);
        }
      }
    }
    var out = new ArrayList<FusedGroup>();
    groups.forEach((name, members) -> {
      if (members.size() < 2) return;
      Comparator<String> order = name.endsWith(".experts")
          ? NaturalOrder.INSTANCE
          : Comparator.comparingInt(FusedGroup::shardIndex);
      members.sort(order);
      out.add(new FusedGroup(name, members));
    });
    return List.copyOf(out);
  }

  private static int shardIndex(String module) {
    var shard = module.substring(module.lastIndexOf('.') + 1);
    return PACKED.stream().mapToInt(p -> p.getValue().indexOf(shard)).filter(i -> i >= 0).findFirst().orElse(0);
  }

  /** Whether {@code quantized} holds for some members and not for others. */
  public boolean isSplit(Predicate<String> quantized) {
    long count = members.stream().filter(quantized).count();
    return count != 0 && count != members.size();
  }
}
