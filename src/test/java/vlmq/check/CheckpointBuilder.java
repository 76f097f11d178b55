package vlmq.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.StreamSupport;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.modelopt.ModelOptTensors;
import vlmq.format.modelopt.QuantAlgo;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.io.safetensors.TensorSpec;
import vlmq.model.Component;
import vlmq.model.FamilyMap;
import vlmq.model.ModelConfig;
import vlmq.numeric.DType;
import vlmq.recipe.Preset;

/**
 * Writes small checkpoints for the check rules at test time: a family fixture's tensor list (names, dtypes, shapes
 * from its expected.json) transformed by quantizing chosen Linear modules the way ModelOpt or compressed-tensors lays
 * them out, adding or dropping tensors, and editing config files. Tensor data is zero except the scalars a test sets;
 * the rules read headers and those scalars only.
 */
final class CheckpointBuilder {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String family;
  private final ObjectNode config;
  private final LinkedHashMap<String, TensorSpec> tensors = new LinkedHashMap<>();
  private final Map<String, Float> values = new LinkedHashMap<>();
  private final Map<String, long[]> longs = new LinkedHashMap<>();
  private final Map<String, String> files = new LinkedHashMap<>();
  private final FamilyMap base;

  private CheckpointBuilder(String family, ObjectNode config, List<TensorSpec> specs) {
    this.family = family;
    this.config = config;
    specs.forEach(s -> tensors.put(s.name(), s));
    var shapes = new LinkedHashMap<String, long[]>();
    specs.forEach(s -> shapes.put(s.name(), s.shape()));
    this.base = FamilyMap.of(new ModelConfig(config), shapes);
  }

  /** The fixture {@code src/test/resources/fixtures/<id>}, bf16, with the serving files a release carries. */
  static CheckpointBuilder family(String id) {
    try {
      var dir = Path.of(CheckpointBuilder.class.getResource("/fixtures/" + id).toURI());
      var config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
      var expected = JSON.readTree(dir.resolve("expected.json").toFile());
      var specs = new ArrayList<TensorSpec>();
      expected.get("tensors").properties().forEach(e -> specs.add(new TensorSpec(e.getKey(),
          DType.fromHeader(e.getValue().get("dtype").asText()).orElseThrow(),
          StreamSupport.stream(e.getValue().get("shape").spliterator(), false).mapToLong(JsonNode::asLong).toArray())));
      return new CheckpointBuilder(id, config, specs).servingFiles();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The checkpoint's Linear modules (with a bf16 2-D weight) in one component. */
  List<String> linear(Component component) {
    return base.linearModules().stream()
        .filter(m -> base.role(m + ".weight").component() == component && tensors.containsKey(m + ".weight")
            && tensors.get(m + ".weight").dtype() == DType.BF16)
        .toList();
  }

  /** Vision tower and projector Linear modules. */
  List<String> tower() {
    var out = new ArrayList<>(linear(Component.VISION));
    out.addAll(linear(Component.PROJECTOR));
    return out;
  }

  /** The attention modules ({@code …self_attn}, {@code …attn}) of a component: parents of a q/qkv projection. */
  List<String> attention(Component component) {
    return linear(component).stream().filter(m -> m.endsWith(".q_proj") || m.endsWith(".qkv"))
        .map(m -> m.substring(0, m.lastIndexOf('.'))).distinct().toList();
  }

  long[] shape(String tensor) {
    return tensors.get(tensor).shape();
  }

  /** Replaces each module's bf16 weight by ModelOpt's tensors for {@code algo} (§4.2), scales set to {@code 1/448}. */
  CheckpointBuilder modelOpt(QuantAlgo algo, List<String> modules) {
    for (var module : modules) {
      var w = shape(module + ".weight");
      var layout = ModelOptTensors.linear(algo, w[0], w[1]).orElseThrow();
      tensors.remove(module + ".weight");
      for (var t : layout) {
        put(t.name(module), t.dtype(), t.shape());
        if (t.scalar()) values.put(t.name(module), 1f / 448);
      }
    }
    return this;
  }

  /** Replaces each module's weight by compressed-tensors' layout for {@code preset} (+ static input scales). */
  CheckpointBuilder compressedTensors(Preset preset, List<String> modules) {
    for (var module : modules) {
      var w = shape(module + ".weight");
      tensors.remove(module + ".weight");
      for (var spec : LinearLayout.of(module, preset.format(), preset.weights(), DType.BF16, w[0], w[1]).specs()) {
        put(spec.name(), spec.dtype(), spec.shape());
        if (spec.name().endsWith("global_scale")) values.put(spec.name(), 448f * 6);
        if (spec.name().endsWith(".weight_shape")) longs.put(spec.name(), w.clone());
      }
      if (preset == Preset.FP8) put(module + ".input_scale", DType.BF16, 1);
      if (preset == Preset.NVFP4) {
        put(module + ".input_global_scale", DType.F32, 1);
        values.put(module + ".input_global_scale", 448f * 6);
      }
    }
    return this;
  }

  /** ModelOpt's KV-cache scales on attention modules: {@code <attn>.k_proj.k_scale}, {@code <attn>.v_proj.v_scale}. */
  CheckpointBuilder modelOptKvScales(List<String> attentionModules) {
    for (var attention : attentionModules) {
      for (var name : ModelOptTensors.kvScales(attention)) {
        put(name, DType.F32);
        values.put(name, 1f);
      }
    }
    return this;
  }

  CheckpointBuilder put(String name, DType dtype, long... shape) {
    tensors.put(name, new TensorSpec(name, dtype, shape));
    return this;
  }

  CheckpointBuilder remove(Predicate<String> names) {
    tensors.keySet().removeIf(names);
    values.keySet().removeIf(names);
    longs.keySet().removeIf(names);
    return this;
  }

  /** Sets a scalar's stored value (F32 or BF16 tensors). */
  CheckpointBuilder value(String name, float value) {
    values.put(name, value);
    return this;
  }

  /** Changes a module's out_features/in_features (its weight and bias). */
  CheckpointBuilder resize(String module, long out, long in) {
    var w = tensors.get(module + ".weight");
    put(module + ".weight", w.dtype(), out, in);
    if (tensors.containsKey(module + ".bias")) put(module + ".bias", tensors.get(module + ".bias").dtype(), out);
    return this;
  }

  CheckpointBuilder config(Consumer<ObjectNode> edit) {
    edit.accept(config);
    return this;
  }

  CheckpointBuilder file(String name, String text) {
    files.put(name, text);
    return this;
  }

  CheckpointBuilder withoutFile(String name) {
    files.remove(name);
    return this;
  }

  /**
   * A ModelOpt export as ModelOpt 0.33.1 writes it: {@code hf_quant_config.json} (nested, {@code exclude_modules}) and
   * config.json's converted {@code quantization_config} ({@code ignore}, string {@code kv_cache_scheme}).
   */
  CheckpointBuilder modelOptConfigs(String algo, String kvAlgo, List<String> exclude) {
    var hf = JSON.createObjectNode();
    hf.putObject("producer").put("name", "modelopt").put("version", "0.33.1");
    var q = hf.putObject("quantization");
    q.put("quant_algo", algo);
    if (kvAlgo == null) q.putNull("kv_cache_quant_algo");
    else q.put("kv_cache_quant_algo", kvAlgo);
    exclude.forEach(q.putArray("exclude_modules")::add);
    if (algo.startsWith("NVFP4")) q.put("group_size", 16);
    files.put("hf_quant_config.json", hf.toPrettyString());
    var qc = config.putObject("quantization_config");
    qc.put("quant_method", "modelopt").put("quant_algo", algo);
    if (kvAlgo != null) qc.put("kv_cache_scheme", kvAlgo);
    exclude.forEach(qc.putArray("ignore")::add);
    qc.putObject("producer").put("name", "modelopt").put("version", "0.33.1");
    var group = qc.putObject("config_groups").putObject("group_0");
    int bits = algo.startsWith("NVFP4") ? 4 : 8;
    group.putObject("input_activations").put("dynamic", false).put("num_bits", bits).put("type", "float");
    group.putObject("weights").put("dynamic", false).put("num_bits", bits).put("type", "float");
    return this;
  }

  /** Also writes the list under config.json's {@code exclude_modules} (read by vLLM before #25706). */
  CheckpointBuilder excludeModulesInConfigJson() {
    var qc = quantizationConfig();
    var list = qc.putArray("exclude_modules");
    qc.get("ignore").forEach(list::add);
    return this;
  }

  /**
   * GPTQ's tensors (AutoGPTQ layout, {@code group_size -1}): {@code qweight} I32 {@code [in·bits/32, out]},
   * {@code qzeros} I32 {@code [1, out·bits/32]}, {@code scales} F16 {@code [1, out]}, {@code g_idx} I32 {@code [in]}.
   */
  CheckpointBuilder gptq(int bits, List<String> modules) {
    for (var module : modules) {
      var w = shape(module + ".weight");
      tensors.remove(module + ".weight");
      put(module + ".qweight", DType.I32, w[1] * bits / 32, w[0]);
      put(module + ".qzeros", DType.I32, 1, w[0] * bits / 32);
      put(module + ".scales", DType.F16, 1, w[0]);
      put(module + ".g_idx", DType.I32, w[1]);
    }
    return this;
  }

  /** Only {@code hf_quant_config.json} (what ModelOpt's legacy export left before the config.json form). */
  CheckpointBuilder withoutConfigQuantization() {
    config.remove("quantization_config");
    return this;
  }

  /** A compressed-tensors quantization_config with one group for {@code preset} targeting Linear. */
  CheckpointBuilder compressedTensorsConfig(Preset preset, List<String> ignore) {
    var qc = config.putObject("quantization_config");
    qc.put("quant_method", "compressed-tensors").put("format", preset.format().json())
        .put("quantization_status", "compressed").put("version", "0.18.0");
    qc.putObject("config_groups").set("group_0", vlmq.recipe.RecipeJson.toJson(
        preset.scheme(List.of("Linear")).withInferredFormat()));
    ArrayNode list = qc.putArray("ignore");
    ignore.forEach(list::add);
    qc.putNull("kv_cache_scheme");
    return this;
  }

  ObjectNode quantizationConfig() {
    return (ObjectNode) config.get("quantization_config");
  }

  /** Tokenizer, tokenizer config with a chat template, processor and generation configs (minimal stand-ins). */
  private CheckpointBuilder servingFiles() {
    files.put("tokenizer.json", "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}}");
    files.put("tokenizer_config.json", "{\"chat_template\": \"{{ messages }}\"}");
    files.put("preprocessor_config.json", "{\"image_processor_type\": \"Qwen2VLImageProcessor\"}");
    files.put("generation_config.json", "{}");
    return this;
  }

  /** Writes the checkpoint to {@code parent/name} and returns that folder. */
  Path write(Path parent, String name) {
    var out = parent.resolve(name);
    try (var writer = CheckpointWriter.create(out, List.of(), List.copyOf(tensors.values()), Map.of("format", "pt"),
        CheckpointWriter.DEFAULT_MAX_SHARD_BYTES)) {
      for (var spec : tensors.values()) {
        var segment = writer.segment(spec.name());
        var ints = longs.get(spec.name());
        for (int i = 0; ints != null && i < ints.length; i++) {
          segment.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8L * i, ints[i]);
        }
        var value = values.get(spec.name());
        if (value == null) continue;
        switch (spec.dtype()) {
          case F32 -> segment.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, value);
          case BF16 -> segment.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0,
              (short) (Float.floatToIntBits(value) >>> 16));
          default -> throw new IllegalArgumentException("no scalar value for " + spec);
        }
      }
      writer.commit();
      Files.writeString(out.resolve("config.json"), config.toPrettyString());
      for (var f : files.entrySet()) Files.writeString(out.resolve(f.getKey()), f.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  @Override
  public String toString() {
    return family;
  }
}
