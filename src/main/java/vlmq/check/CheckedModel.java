package vlmq.check;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import vlmq.VlmqException;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.Checkpoint.Tensor;
import vlmq.model.Component;
import vlmq.model.FamilyMap;
import vlmq.model.FusedGroup;
import vlmq.model.ModelConfig;
import vlmq.numeric.DType;

/**
 * A checkpoint folder as the rules see it: config, quantization setup, every tensor's header, and the Linear layers
 * vLLM will build from them. Only headers are read, plus the few scalar tensors a rule asks for.
 */
final class CheckedModel implements AutoCloseable {
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Linear leaves that split in_features under tensor parallelism (RowParallelLinear in vLLM). */
  private static final Set<String> ROW_LEAVES = Set.of("o_proj", "down_proj", "fc2", "linear_fc2", "out_proj",
      "dense_4h_to_h", "wo", "w2", "linear_2", "proj");

  final Path dir;
  final ModelConfig config;
  final FamilyMap map;
  final VllmModel vllm;
  final QuantSetup quant;
  final List<Layer> layers;
  private final Checkpoint checkpoint;

  private CheckedModel(Path dir, ModelConfig config, FamilyMap map, QuantSetup quant, Checkpoint checkpoint,
      List<Layer> layers) {
    this.dir = dir;
    this.config = config;
    this.map = map;
    this.vllm = VllmModel.of(map.family());
    this.quant = quant;
    this.checkpoint = checkpoint;
    this.layers = layers;
  }

  /** Reads {@code dir}; an unreadable folder, config or safetensors header is a {@link VlmqException} (exit 2). */
  static CheckedModel load(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new VlmqException(dir + ": no such folder — pass the checkpoint folder that holds config.json and"
          + " *.safetensors");
    }
    var config = ModelConfig.read(dir.resolve("config.json"));
    var checkpoint = Checkpoint.open(dir);
    try {
      var shapes = new LinkedHashMap<String, long[]>();
      for (var t : checkpoint.tensors()) shapes.put(t.name(), t.shape());
      var map = FamilyMap.of(config, shapes);
      var quant = QuantSetup.read(dir, config);
      var layers = layers(map, checkpoint, quant);
      return new CheckedModel(dir, config, map, quant, checkpoint, layers);
    } catch (RuntimeException e) {
      checkpoint.close();
      throw e;
    }
  }

  /** Every stored tensor, by name in name order. */
  List<Tensor> tensors() {
    return checkpoint.tensors();
  }

  Tensor tensor(String name) {
    return checkpoint.find(name).orElseThrow(() -> new IllegalArgumentException("no tensor " + name));
  }

  Component component(String tensorName) {
    return map.role(tensorName).component();
  }

  /** The tensor's name in vLLM (family mapper applied to its module). */
  String vllmName(String tensorName) {
    var role = map.role(tensorName);
    var param = tensorName.substring(role.module().length());
    return role.module().isEmpty() ? tensorName : map.names(role.module()).vllm() + param;
  }

  /** Whether a tensor sits under a vision tower or projector prefix. */
  boolean underTower(String tensorName) {
    var c = component(tensorName);
    return c == Component.VISION || c == Component.PROJECTOR;
  }

  /** The first element of a one-element float tensor (F32, BF16 or F16), as stored. */
  double scalar(Tensor t) {
    var data = t.data();
    return switch (t.dtype()) {
      case F32 -> data.get(F32, 0);
      case BF16 -> Float.intBitsToFloat((data.get(I16, 0) & 0xffff) << 16);
      case F16 -> Float.float16ToFloat(data.get(I16, 0));
      default -> throw new VlmqException(t.name() + ": expected a float scalar, found " + t.dtype());
    };
  }

  /** The order vLLM iterates tensors in: files in load order, names sorted within a file. */
  List<String> loadOrder(List<String> names) {
    var files = checkpoint.files();
    var wanted = new HashSet<>(names);
    var out = new ArrayList<String>();
    for (var file : files) {
      checkpoint.tensors().stream().filter(t -> t.file().path().equals(file) && wanted.contains(t.name()))
          .map(Tensor::name).sorted().forEach(out::add);
    }
    return out;
  }

  @Override
  public void close() {
    checkpoint.close();
  }

  private static List<Layer> layers(FamilyMap map, Checkpoint checkpoint, QuantSetup quant) {
    var byModule = new TreeMap<String, Map<String, Tensor>>();
    for (var t : checkpoint.tensors()) {
      var role = map.role(t.name());
      byModule.computeIfAbsent(role.module(), k -> new LinkedHashMap<>())
          .put(t.name().substring(role.module().length() + 1), t);
    }
    int bits = quant.node().path("bits").asInt(4);
    boolean awq = quant.method().startsWith("awq");
    var grouped = new HashSet<String>();
    var out = new ArrayList<Layer>();
    for (FusedGroup group : map.fusedGroups()) {
      var shards = group.members().stream().map(m -> shard(map, m, byModule.get(m), bits, awq)).toList();
      grouped.addAll(group.members());
      var experts = group.name().endsWith(".experts");
      out.add(new Layer(group.name(), map.names(group.name()).vllm(), shards,
          map.role(firstTensor(byModule.get(group.members().getFirst()))).component(),
          experts ? Layer.Parallel.EXPERTS : Layer.Parallel.COLUMN, true));
    }
    for (var module : map.linearModules()) {
      if (grouped.contains(module)) continue;
      var params = byModule.get(module);
      var component = map.role(firstTensor(params)).component();
      out.add(new Layer(module, map.names(module).vllm(), List.of(shard(map, module, params, bits, awq)), component,
          parallel(module, component), false));
    }
    var position = new java.util.HashMap<String, Integer>();
    for (var module : map.linearModules()) position.put(module, position.size());
    out.sort(java.util.Comparator.comparingInt(l -> position.get(l.shards().getFirst().module())));
    return List.copyOf(out);
  }

  private static String firstTensor(Map<String, Tensor> params) {
    return params.values().iterator().next().name();
  }

  private static Layer.Parallel parallel(String module, Component component) {
    if (component == Component.LM_HEAD) return Layer.Parallel.VOCAB;
    var leaf = module.substring(module.lastIndexOf('.') + 1);
    var parent = module.substring(0, Math.max(module.lastIndexOf('.'), 0));
    if (module.contains("connector.modality_projection")) return Layer.Parallel.REPLICATED;
    if (ROW_LEAVES.contains(leaf) || (leaf.equals("2") && parent.endsWith("merger.mlp"))) return Layer.Parallel.ROW;
    return Layer.Parallel.COLUMN;
  }

  private static Shard shard(FamilyMap map, String module, Map<String, Tensor> params, int bits, boolean awq) {
    long out = 0, in = 0;
    var weight = params.get("weight");
    var packed = params.get("weight_packed");
    var qweight = params.get("qweight");
    if (weight != null && weight.shape().length == 2) {
      out = weight.shape()[0];
      in = weight.shape()[1] * (weight.dtype() == DType.U8 ? 2 : 1);
    } else if (packed != null && packed.shape().length == 2) {
      out = packed.shape()[0];
      in = packed.shape()[1] * (packed.dtype() == DType.U8 ? 2 : 32 / bits);
      var shape = params.get("weight_shape");
      if (shape != null && shape.dtype() == DType.I64 && shape.info().elementCount() == 2
          && shape.data().get(I64, 0) > 0 && shape.data().get(I64, 8) > 0) {
        out = shape.data().get(I64, 0);
        in = shape.data().get(I64, 8);
      }
    } else if (qweight != null && qweight.shape().length == 2) {
      var s = qweight.shape();
      out = awq ? s[1] * 32 / bits : s[1];
      in = awq ? s[0] : s[0] * 32 / bits;
    }
    return new Shard(module, map.names(module).vllm(), params, out, in);
  }
}
