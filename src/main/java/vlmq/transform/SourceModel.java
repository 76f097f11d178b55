package vlmq.transform;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import vlmq.VlmqException;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.Checkpoint.Tensor;
import vlmq.model.Component;
import vlmq.model.FamilyMap;
import vlmq.model.ModelConfig;
import vlmq.numeric.DType;

/**
 * A quantized checkpoint folder opened for rewriting: config, tensors, where each tensor belongs, and the tensors of
 * every Linear module by parameter name.
 */
final class SourceModel implements AutoCloseable {
  final Path dir;
  final ModelConfig config;
  final Checkpoint checkpoint;
  final FamilyMap map;
  private final Map<String, Map<String, Tensor>> byModule = new TreeMap<>();

  private SourceModel(Path dir, ModelConfig config, Checkpoint checkpoint, FamilyMap map) {
    this.dir = dir;
    this.config = config;
    this.checkpoint = checkpoint;
    this.map = map;
    for (var t : checkpoint.tensors()) {
      byModule.computeIfAbsent(map.role(t.name()).module(), k -> new LinkedHashMap<>())
          .put(t.name().substring(t.name().lastIndexOf('.') + 1), t);
    }
  }

  static SourceModel open(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new VlmqException(dir + ": no such folder — pass the checkpoint folder that holds config.json and"
          + " *.safetensors");
    }
    var config = ModelConfig.read(dir.resolve("config.json"));
    var checkpoint = Checkpoint.open(dir);
    try {
      var shapes = new LinkedHashMap<String, long[]>();
      for (var t : checkpoint.tensors()) shapes.put(t.name(), t.shape());
      return new SourceModel(dir, config, checkpoint, FamilyMap.of(config, shapes));
    } catch (RuntimeException e) {
      checkpoint.close();
      throw e;
    }
  }

  /** The tensors of {@code module} by parameter name ({@code weight}, {@code weight_scale}, …). */
  Map<String, Tensor> params(String module) {
    return byModule.getOrDefault(module, Map.of());
  }

  /** The stored form of a Linear module, empty when its weight is plain BF16/F16/F32. */
  Optional<StoredLinear> stored(String module) {
    return StoredLinear.of(module, params(module));
  }

  /** Linear modules in model order with their stored form, quantized ones only. */
  Map<String, StoredLinear> quantized() {
    var out = new LinkedHashMap<String, StoredLinear>();
    for (var m : map.linearModules()) stored(m).ifPresent(s -> out.put(m, s));
    return out;
  }

  /** Linear modules stored as plain weights, in model order. */
  List<String> unquantized() {
    var out = new ArrayList<String>();
    for (var m : map.linearModules()) if (stored(m).isEmpty()) out.add(m);
    return out;
  }

  Component component(String module) {
    return map.role(params(module).values().iterator().next().name()).component();
  }

  /**
   * The model's dtype, which compressed-tensors stores non-FP8 scales in: config.json's {@code dtype} /
   * {@code torch_dtype} (top level or text config), else the embeddings' dtype, else BF16.
   */
  DType modelDtype() {
    var root = config.root();
    for (var node : List.of(root, root.path("text_config"))) {
      for (var key : List.of("dtype", "torch_dtype")) {
        var dtype = torchDtype(node.path(key));
        if (dtype.isPresent()) return dtype.get();
      }
    }
    return map.roles().stream().filter(r -> r.component() == Component.EMBEDDINGS).findFirst()
        .map(r -> checkpoint.find(r.name()).orElseThrow().dtype())
        .filter(d -> d == DType.BF16 || d == DType.F16 || d == DType.F32).orElse(DType.BF16);
  }

  private static Optional<DType> torchDtype(JsonNode node) {
    return switch (node.asText("")) {
      case "bfloat16" -> Optional.of(DType.BF16);
      case "float16" -> Optional.of(DType.F16);
      case "float32" -> Optional.of(DType.F32);
      default -> Optional.empty();
    };
  }

  @Override
  public void close() {
    checkpoint.close();
  }
}
