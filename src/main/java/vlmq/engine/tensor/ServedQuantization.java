package vlmq.engine.tensor;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import vlmq.VlmqException;
import vlmq.model.ModelConfig;
import vlmq.model.ModuleNames;
import vlmq.recipe.Rule;

/**
 * What a checkpoint's quantization config says about a quantized Linear beyond its stored tensors: the weight args
 * that shapes cannot tell apart (bits of packed integers, FP8 block size) and the input quantization vLLM runs in
 * front of its matmul. Read from config.json's {@code quantization_config} (compressed-tensors: the config group whose
 * targets match the module, ranked exact name, regex, class as compressed-tensors ranks them; ModelOpt) or
 * {@code hf_quant_config.json} (ModelOpt). Schemes whose activations the engine does not emulate run weight-only and
 * are listed in {@link #notes()}.
 */
final class ServedQuantization {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The scheme of one module; fields are null where the config says nothing. */
  record Module(Integer weightBits, int[] blockStructure, ActivationQuantizer activations) {
    static final Module UNKNOWN = new Module(null, null, null);
  }

  private record Group(String name, List<Rule> targets, Module module, String unsupported) {}

  private final List<Group> groups;
  private final String modelOptNote;
  private final List<String> notes = new ArrayList<>();

  private ServedQuantization(List<Group> groups, String modelOptNote) {
    this.groups = groups;
    this.modelOptNote = modelOptNote;
  }

  static ServedQuantization read(ModelConfig config, Path dir) {
    JsonNode q = config.root().path("quantization_config");
    Path hf = dir.resolve("hf_quant_config.json");
    if (q.isMissingNode() && Files.isRegularFile(hf)) q = readJson(hf).path("quantization");
    if (!q.isObject()) return new ServedQuantization(List.of(), null);
    String method = q.path("quant_method").asText("");
    String algo = q.path("quant_algo").asText("");
    if (method.startsWith("modelopt") || !algo.isEmpty()) {
      return new ServedQuantization(List.of(), "ModelOpt " + (algo.isEmpty() ? method : algo) + ": static input"
          + " scales (input_scale) are not applied; the engine runs the quantized weights with float32 activations");
    }
    var groups = new ArrayList<Group>();
    q.path("config_groups").properties().forEach(e -> groups.add(group(e.getKey(), e.getValue())));
    return new ServedQuantization(groups, null);
  }

  private static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (JacksonException e) {
      throw new VlmqException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new VlmqException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static Group group(String name, JsonNode node) {
    var targets = new ArrayList<Rule>();
    node.path("targets").forEach(t -> targets.add(Rule.parse(t.asText())));
    JsonNode w = node.path("weights");
    Integer bits = w.path("num_bits").isIntegralNumber() ? w.path("num_bits").asInt() : null;
    int[] block = null;
    if (w.path("block_structure").isArray() && w.path("block_structure").size() == 2) {
      block = new int[] {w.path("block_structure").get(0).asInt(), w.path("block_structure").get(1).asInt()};
    }
    JsonNode in = node.path("input_activations");
    ActivationQuantizer activations = activations(in);
    String unsupported = activations == null && in.isObject() ? describe(in) : null;
    return new Group(name, targets, new Module(bits, block, activations), unsupported);
  }

  /** The dynamic 8-bit schemes vLLM quantizes activations with at run time; null for anything else. */
  private static ActivationQuantizer activations(JsonNode in) {
    if (!in.isObject() || !in.path("dynamic").asBoolean(false) || in.path("num_bits").asInt(0) != 8
        || !in.path("symmetric").asBoolean(true)) {
      return null;
    }
    String type = in.path("type").asText("int");
    String strategy = in.path("strategy").asText("");
    int groupSize = in.path("group_size").asInt(0);
    if (type.equals("float") && strategy.equals("token")) return new ActivationQuantizer.Fp8PerToken();
    if (type.equals("float") && strategy.equals("group") && groupSize > 0 && !isMx(in)) {
      return new ActivationQuantizer.Fp8PerGroup(groupSize);
    }
    if (type.equals("int") && strategy.equals("token")) return new ActivationQuantizer.Int8PerToken();
    return null;
  }

  private static boolean isMx(JsonNode args) {
    return args.path("scale_dtype").asText("").contains("uint8");
  }

  private static String describe(JsonNode in) {
    return in.path("type").asText("int") + in.path("num_bits").asInt(0) + " " + in.path("strategy").asText("tensor")
        + (in.path("dynamic").asBoolean(false) || in.path("dynamic").asText("").equals("local") ? " dynamic"
            : " static");
  }

  /** The scheme of the module spelled {@code names}; {@link Module#UNKNOWN} when no group targets it. */
  Module of(ModuleNames names) {
    if (modelOptNote != null) {
      note(modelOptNote);
      return Module.UNKNOWN;
    }
    Group best = null;
    Rule.Match bestMatch = null;
    for (Group g : groups) {
      for (Rule target : g.targets) {
        Rule.Match m = target.match(names, "Linear");
        if (m != null && (bestMatch == null || m.ordinal() < bestMatch.ordinal())) {
          best = g;
          bestMatch = m;
        }
      }
    }
    if (best == null) return Module.UNKNOWN;
    if (best.unsupported != null) {
      note(best.name + ": " + best.unsupported + " input activations are not emulated; those Linears run weight-only");
    }
    return best.module;
  }

  private synchronized void note(String note) {
    if (!notes.contains(note)) notes.add(note);
  }

  /** What the engine could not reproduce of the served numerics, once each. */
  synchronized List<String> notes() {
    return List.copyOf(notes);
  }
}
