package vlmq.io.safetensors;

import vlmq.io.PythonJson;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which shard file holds each tensor, decided as huggingface_hub's {@code split_torch_state_dict_into_shards}
 * does (the splitter behind transformers' {@code save_pretrained}): tensors in declaration order fill the
 * current shard until the next would push it past the maximum; a tensor larger than the maximum gets a shard
 * of its own, placed in the list when it is met (ahead of the shard still filling). Files are named
 * {@code model-00001-of-00003.safetensors}, or {@code model.safetensors} when one shard suffices.
 */
record ShardPlan(List<Shard> shards) {
  /** One file's tensors, in declaration order. */
  record Shard(String fileName, List<TensorSpec> tensors) {
    long dataBytes() {
      return tensors.stream().mapToLong(TensorSpec::byteSize).sum();
    }
  }

  boolean sharded() {
    return shards.size() > 1;
  }

  static ShardPlan of(List<TensorSpec> specs, long maxShardBytes) {
    var groups = new ArrayList<List<TensorSpec>>();
    var current = new ArrayList<TensorSpec>();
    long currentBytes = 0;
    for (TensorSpec spec : specs) {
      long size = spec.byteSize();
      if (size > maxShardBytes) {
        groups.add(List.of(spec));
        continue;
      }
      if (currentBytes + size > maxShardBytes) {
        groups.add(current);
        current = new ArrayList<>();
        currentBytes = 0;
      }
      current.add(spec);
      currentBytes += size;
    }
    if (!current.isEmpty() || groups.isEmpty()) groups.add(current);
    int n = groups.size();
    var shards = new ArrayList<Shard>(n);
    for (int i = 0; i < n; i++) {
      String name = n == 1 ? Checkpoint.SINGLE_FILE : String.format("model-%05d-of-%05d.safetensors", i + 1, n);
      shards.add(new Shard(name, List.copyOf(groups.get(i))));
    }
    return new ShardPlan(List.copyOf(shards));
  }

  /**
   * The order of tensors inside a file, as the safetensors library writes it: by dtype size class, widest
   * first (which keeps every tensor naturally aligned after the 8-byte-aligned header), then by name.
   */
  static final Comparator<TensorSpec> FILE_ORDER = Comparator
      .comparingInt((TensorSpec t) -> -layoutRank(t))
      .thenComparing(TensorSpec::name, PythonJson.CODE_POINT_ORDER);

  /** The position of the dtype in the Rust crate's {@code Dtype} enum, which its writer sorts by. */
  private static int layoutRank(TensorSpec t) {
    return switch (t.dtype()) {
      case BOOL -> 0;
      case F4 -> 1;
      case U8 -> 4;
      case I8 -> 5;
      case F8_E5M2 -> 6;
      case F8_E4M3 -> 7;
      case F8_E8M0 -> 8;
      case I16 -> 9;
      case U16 -> 10;
      case F16 -> 11;
      case BF16 -> 12;
      case I32 -> 13;
      case U32 -> 14;
      case F32 -> 15;
      case F64 -> 17;
      case I64 -> 18;
      case U64 -> 19;
    };
  }
}
