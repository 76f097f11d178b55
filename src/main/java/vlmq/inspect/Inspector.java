package vlmq.inspect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import vlmq.VlmqException;
import vlmq.inspect.Inspection.ComponentSummary;
import vlmq.inspect.Inspection.Quantization;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.Checkpoint.Tensor;
import vlmq.model.Component;
import vlmq.model.FamilyMap;
import vlmq.model.ModelConfig;
import vlmq.model.TensorKind;
import vlmq.model.TensorRole;
import vlmq.numeric.DType;

/** Builds an {@link Inspection} from a checkpoint folder's config files and safetensors headers (no tensor data). */
public final class Inspector {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Inspector() {}

  public static Inspection inspect(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new VlmqException(dir + ": no such folder — pass the checkpoint folder that holds config.json and *.safetensors.");
    }
    ModelConfig config = ModelConfig.read(dir.resolve("config.json"));
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      return inspect(dir, config, checkpoint);
    }
  }

  static Inspection inspect(Path dir, ModelConfig config, Checkpoint checkpoint) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (Tensor t : checkpoint.tensors()) shapes.put(t.name(), t.shape());
    FamilyMap map = FamilyMap.of(config, shapes);

    Quantization quantization = detectQuantization(dir, config.root(), checkpoint);
    int packedBits = packedBits(config.root());

    Map<String, Map<String, Tensor>> byModule = new HashMap<>();
    Map<Component, Accumulator> acc = new LinkedHashMap<>();
    for (Component c : Component.values()) acc.put(c, new Accumulator());
    long totalParams = 0, totalBytes = 0;
    for (Tensor t : checkpoint.tensors()) {
      TensorRole role = map.role(t.name());
      Accumulator a = acc.get(role.component());
      long params = parameters(t, role, packedBits);
      a.parameters += params;
      a.bytes += t.byteSize();
      a.dtypes.merge(t.dtype().headerName(), t.byteSize(), Long::sum);
      totalParams += params;
      totalBytes += t.byteSize();
      byModule.computeIfAbsent(role.module(), k -> new HashMap<>()).put(parameterName(t.name()), t);
    }
    for (String module : map.linearModules()) {
      Map<String, Tensor> params = byModule.get(module);
      if (params == null) continue;
      Tensor any = params.values().iterator().next();
      Accumulator a = acc.get(map.role(any.name()).component());
      a.linear++;
      a.schemes.merge(ModuleScheme.label(params, packedBits), 1, Integer::sum);
    }

    Map<String, ComponentSummary> components = new LinkedHashMap<>();
    acc.forEach((c, a) -> components.put(c.id(), new ComponentSummary(a.parameters, a.bytes, a.dtypes, a.linear, a.schemes)));
    return new Inspection(
        dir.toString(),
        map.family().map(f -> f.id()).orElse("unknown"),
        map.family().map(f -> f.displayName()).orElse("unknown family"),
        config.architecture(),
        map.layout().describe(),
        map.lmHeadTied(),
        totalParams,
        totalBytes,
        checkpoint.tensors().size(),
        checkpoint.files().size(),
        components,
        quantization,
        ServingFiles.scan(dir, config.root().path("chat_template").isTextual() || tokenizerConfigHasTemplate(dir)),
        map.warnings());
  }

  private static final class Accumulator {
    long parameters, bytes;
    int linear;
    final TreeMap<String, Long> dtypes = new TreeMap<>();
    final TreeMap<String, Integer> schemes = new TreeMap<>();
  }

  /** Logical weight elements: packed values are unpacked, quantization parameters count zero. */
  private static long parameters(Tensor t, TensorRole role, int packedBits) {
    if (role.kind() == TensorKind.QUANT_PARAM) return 0;
    long elements = t.info().elementCount();
    String param = parameterName(t.name());
    boolean packed = param.equals("weight_packed") || param.equals("qweight")
        || (param.equals("weight") && t.dtype() == DType.U8);
    if (!packed) return elements;
    if (t.dtype() == DType.U8) return elements * 2;
    return elements * (32 / (packedBits > 0 ? packedBits : 4));
  }

  private static String parameterName(String tensorName) {
    int dot = tensorName.lastIndexOf('.');
    return dot < 0 ? tensorName : tensorName.substring(dot + 1);
  }

  /** The weights' num_bits when every compressed-tensors/GPTQ group agrees on it, else 0. */
  private static int packedBits(JsonNode config) {
    JsonNode q = config.path("quantization_config");
    if (q.has("bits")) return q.path("bits").asInt(0);
    int bits = 0;
    for (JsonNode group : iterable(q.path("config_groups"))) {
      int b = group.path("weights").path("num_bits").asInt(0);
      if (b == 0) continue;
      if (bits != 0 && bits != b) return 0;
      bits = b;
    }
    return bits;
  }

  private static Quantization detectQuantization(Path dir, JsonNode config, Checkpoint checkpoint) {
    List<String> details = new ArrayList<>();
    JsonNode q = config.path("quantization_config");
    Path modelopt = dir.resolve("hf_quant_config.json");
    // config.json's quantization_config wins over hf_quant_config.json, as in vLLM (engine-loading-rules §2)
    if (Files.isRegularFile(modelopt) && !q.isObject()) {
      JsonNode hf = readJson(modelopt).path("quantization");
      details.add("hf_quant_config.json: quant_algo " + hf.path("quant_algo").asText("?")
          + ", kv_cache_quant_algo " + hf.path("kv_cache_quant_algo").asText("none")
          + ", " + hf.path("exclude_modules").size() + " exclude_modules");
      return new Quantization("modelopt", details);
    }
    if (q.isObject()) {
      String method = q.path("quant_method").asText("unknown");
      switch (method) {
        case "compressed-tensors" -> {
          details.add("format " + q.path("format").asText("?") + ", status " + q.path("quantization_status").asText("?")
              + ", " + q.path("ignore").size() + " ignored modules, compressed-tensors " + q.path("version").asText("?"));
          q.path("config_groups").properties().forEach(e -> details.add(e.getKey() + ": targets "
              + e.getValue().path("targets") + ", weights " + args(e.getValue().path("weights"))
              + ", input " + args(e.getValue().path("input_activations"))));
          if (!q.path("kv_cache_scheme").isNull() && !q.path("kv_cache_scheme").isMissingNode()) {
            details.add("kv cache " + args(q.path("kv_cache_scheme")));
          }
        }
        case "modelopt", "modelopt_fp4" -> {
          details.add("quant_algo " + q.path("quant_algo").asText("?") + ", " + q.path("ignore").size()
              + " ignore / " + q.path("exclude_modules").size() + " exclude_modules entries"
              + (q.path("producer").path("name").isTextual() ? ", producer " + q.path("producer").path("name").asText()
                  + " " + q.path("producer").path("version").asText("") : ""));
          if (Files.isRegularFile(modelopt)) details.add("hf_quant_config.json present");
        }
        case "gptq", "awq" -> details.add(q.path("bits").asInt() + "-bit, group_size " + q.path("group_size").asInt());
        default -> details.add("quant_method " + method);
      }
      return new Quantization(method, details);
    }
    boolean fp8 = checkpoint.tensors().stream().anyMatch(t -> t.dtype() == DType.F8_E4M3 || t.dtype() == DType.F8_E5M2);
    boolean gptq = checkpoint.tensors().stream().anyMatch(t -> t.name().endsWith(".qweight"));
    if (gptq) return new Quantization("gptq/awq (no quantization_config)", List.of("qweight tensors found"));
    if (fp8) return new Quantization("fp8 (no quantization_config)", List.of("F8 tensors found"));
    return new Quantization("none", List.of());
  }

  private static String args(JsonNode a) {
    if (a.isNull() || a.isMissingNode()) return "none";
    StringBuilder s = new StringBuilder();
    s.append(a.path("type").asText("int")).append(a.path("num_bits").asInt(8));
    s.append(' ').append(a.path("strategy").asText("tensor"));
    if (a.path("group_size").isInt() && a.path("group_size").asInt() > 0) s.append(' ').append(a.path("group_size").asInt());
    if (!a.path("symmetric").asBoolean(true)) s.append(" asym");
    JsonNode dyn = a.path("dynamic");
    if (dyn.isBoolean() && dyn.asBoolean()) s.append(" dynamic");
    else if (dyn.isTextual()) s.append(" dynamic=").append(dyn.asText());
    return s.toString();
  }

  private static boolean tokenizerConfigHasTemplate(Path dir) {
    Path tc = dir.resolve("tokenizer_config.json");
    return Files.isRegularFile(tc) && readJson(tc).hasNonNull("chat_template");
  }

  private static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new VlmqException(file + ": not valid JSON (" + e.getOriginalMessage() + ") — fix or remove the file.", e);
    } catch (IOException e) {
      throw new VlmqException(file + ": cannot be read (" + e.getMessage() + ").", e);
    }
  }

  private static Iterable<JsonNode> iterable(JsonNode node) {
    return node::elements;
  }
}
