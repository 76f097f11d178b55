package vlmq.check;

import java.util.List;
import vlmq.model.Component;

/**
 * One Linear layer as vLLM builds it: a fused layer ({@code qkv_proj}, {@code gate_up_proj}, experts) made of the
 * checkpoint's shards, or a single module.
 *
 * @param name the layer in the checkpoint's spelling (fused name where vLLM fuses)
 * @param vllmName the layer's prefix in vLLM ({@code visual.blocks.0.mlp.gate_up_proj})
 * @param fused whether vLLM fuses several checkpoint modules into it
 */
record Layer(String name, String vllmName, List<Shard> shards, Component component, Parallel parallel,
    boolean fused) {
  /** How tensor parallelism splits a layer. */
  enum Parallel {
    /** Splits out_features (q/k/v, gate/up, fc1). */
    COLUMN,
    /** Splits in_features (o_proj, down_proj, fc2). */
    ROW,
    REPLICATED,
    /** lm_head: splits the vocabulary. */
    VOCAB,
    EXPERTS
  }

  Layer {
    shards = List.copyOf(shards);
  }

  /** The checkpoint modules behind the layer (its shards). */
  List<String> modules() {
    return shards.stream().map(Shard::module).toList();
  }

  /** Vision tower or projector: what serving engines' tower code loads. */
  boolean tower() {
    return component == Component.VISION || component == Component.PROJECTOR;
  }

  boolean anyQuantized() {
    return shards.stream().anyMatch(Shard::quantized);
  }

  boolean allQuantized() {
    return shards.stream().allMatch(Shard::quantized);
  }

  /** Total out_features across shards (what a fused layer holds). */
  long out() {
    return shards.stream().mapToLong(Shard::out).sum();
  }

  long in() {
    return shards.getFirst().in();
  }

  /** out_features of one tensor-parallel rank. */
  long outPerRank(int tp) {
    return parallel == Parallel.COLUMN || parallel == Parallel.VOCAB ? out() / tp : out();
  }

  /** in_features of one tensor-parallel rank. */
  long inPerRank(int tp) {
    return parallel == Parallel.ROW ? in() / tp : in();
  }

  /** The last name segment ({@code qkv_proj}). */
  String leaf() {
    return vllmName.substring(vllmName.lastIndexOf('.') + 1);
  }

  /** vLLM's class for the layer; compressed-tensors targets match these by substring ("Linear"). */
  String vllmClass() {
    if (parallel == Parallel.VOCAB) return "ParallelLMHead";
    if (parallel == Parallel.EXPERTS) return "FusedMoE";
    if (leaf().equals("qkv_proj") || leaf().equals("qkv")) return "QKVParallelLinear";
    if (fused) return "MergedColumnParallelLinear";
    return switch (parallel) {
      case ROW -> "RowParallelLinear";
      case REPLICATED -> "ReplicatedLinear";
      default -> "ColumnParallelLinear";
    };
  }
}
