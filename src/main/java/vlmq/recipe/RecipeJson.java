package vlmq.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import vlmq.VlmqException;

/**
 * JSON form of {@link QuantizationArgs} and {@link QuantizationScheme} as compressed-tensors 0.18 writes them
 * into {@code config.json}: every field present ({@code null} included), keys in sorted order (CT dumps with
 * {@code sort_keys=True}), {@code zp_dtype} null for symmetric args, dtypes as {@code "torch.xxx"}. Reading
 * rejects unknown keys like CT's {@code extra="forbid"} models and accepts CT's alternative spellings
 * ({@code "128x128"} block structures, boolean {@code actorder}, upper-case enum values).
 */
public final class RecipeJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Set<String> ARGS_KEYS = Set.of("num_bits", "type", "symmetric", "group_size", "strategy",
      "block_structure", "dynamic", "actorder", "scale_dtype", "zp_dtype", "observer", "observer_kwargs");
  private static final Set<String> SCHEME_KEYS =
      Set.of("targets", "weights", "input_activations", "output_activations", "format");

  private RecipeJson() {}

  /** The args object with CT's 12 keys in sorted order. */
  public static ObjectNode toJson(QuantizationArgs a) {
    ObjectNode o = MAPPER.createObjectNode();
    if (a.actorder() == null) o.putNull("actorder");
    else o.put("actorder", a.actorder().json());
    if (a.blockStructure() == null) o.putNull("block_structure");
    else a.blockStructure().forEach(o.putArray("block_structure")::add);
    switch (a.dynamic()) {
      case STATIC -> o.put("dynamic", false);
      case DYNAMIC -> o.put("dynamic", true);
      case LOCAL -> o.put("dynamic", "local");
    }
    if (a.groupSize() == null) o.putNull("group_size");
    else o.put("group_size", a.groupSize());
    o.put("num_bits", a.numBits());
    if (a.observer() == null) o.putNull("observer");
    else o.put("observer", a.observer());
    o.set("observer_kwargs", MAPPER.valueToTree(a.observerKwargs()));
    putDtype(o, "scale_dtype", a.scaleDtype());
    o.put("strategy", a.strategy().json());
    o.put("symmetric", a.symmetric());
    o.put("type", a.type().json());
    putDtype(o, "zp_dtype", a.symmetric() ? null : a.zpDtype());
    return o;
  }

  /** The scheme object (a config group) with its 5 keys in sorted order. */
  public static ObjectNode toJson(QuantizationScheme s) {
    ObjectNode o = MAPPER.createObjectNode();
    if (s.format() == null) o.putNull("format");
    else o.put("format", s.format().json());
    putArgs(o, "input_activations", s.inputActivations());
    putArgs(o, "output_activations", s.outputActivations());
    ArrayNode targets = o.putArray("targets");
    s.targets().forEach(targets::add);
    putArgs(o, "weights", s.weights());
    return o;
  }

  /** Reads args; {@code where} names the location for error messages, e.g. "config_groups.group_0.weights". */
  public static QuantizationArgs args(JsonNode node, String where) {
    requireObject(node, where, ARGS_KEYS);
    var b = QuantizationArgs.builder(
        node.has("num_bits") ? integer(node.get("num_bits"), where, "num_bits") : 8,
        text(node, where, "type") == null ? QuantType.INT : QuantType.parse(text(node, where, "type"), where));
    if (node.has("symmetric")) b.symmetric(bool(node.get("symmetric"), where, "symmetric"));
    JsonNode gs = node.get("group_size");
    if (gs != null && !gs.isNull()) b.groupSize(integer(gs, where, "group_size"));
    String strategy = text(node, where, "strategy");
    if (strategy != null) b.strategy(Strategy.parse(strategy, where));
    JsonNode block = node.get("block_structure");
    if (block != null && !block.isNull()) {
      List<Integer> dims = blockStructure(block, where);
      b.blockStructure(dims.get(0), dims.get(1));
    }
    JsonNode dyn = node.get("dynamic");
    if (dyn != null && !dyn.isNull()) b.dynamic(dynamic(dyn, where));
    JsonNode order = node.get("actorder");
    if (order != null && !order.isNull()) {
      if (order.isBoolean()) b.actorder(order.asBoolean() ? ActOrder.GROUP : null);
      else b.actorder(ActOrder.parse(text(node, where, "actorder"), where));
    }
    String scaleDtype = text(node, where, "scale_dtype");
    if (scaleDtype != null) b.scaleDtype(TorchDType.parse(scaleDtype, where, "scale_dtype"));
    String zpDtype = text(node, where, "zp_dtype");
    if (zpDtype != null) b.zpDtype(TorchDType.parse(zpDtype, where, "zp_dtype"));
    b.observer(text(node, where, "observer"));
    JsonNode kwargs = node.get("observer_kwargs");
    if (kwargs != null && !kwargs.isNull()) {
      if (!kwargs.isObject()) throw invalid(where, "observer_kwargs", kwargs.toString(), "an object");
      Map<String, Object> map = new LinkedHashMap<>();
      kwargs.properties().forEach(e -> map.put(e.getKey(), MAPPER.convertValue(e.getValue(), Object.class)));
      b.observerKwargs(map);
    }
    try {
      return b.build();
    } catch (VlmqException e) {
      throw new VlmqException(where + ": " + e.getMessage(), e);
    }
  }

  /** Reads one config group. */
  public static QuantizationScheme scheme(JsonNode node, String where) {
    requireObject(node, where, SCHEME_KEYS);
    JsonNode targetsNode = node.get("targets");
    if (targetsNode == null || !targetsNode.isArray())
      throw invalid(where, "targets", String.valueOf(targetsNode), "a list of module names, regexes or class names");
    List<String> targets = new ArrayList<>();
    for (JsonNode t : targetsNode) {
      if (!t.isTextual()) throw invalid(where, "targets", t.toString(), "strings");
      targets.add(t.asText());
    }
    String format = text(node, where, "format");
    try {
      return new QuantizationScheme(targets, optionalArgs(node, where, "weights"),
          optionalArgs(node, where, "input_activations"), optionalArgs(node, where, "output_activations"),
          format == null ? null : CompressionFormat.parse(format, where));
    } catch (VlmqException e) {
      throw e.getMessage().startsWith(where) ? e : new VlmqException(where + ": " + e.getMessage(), e);
    }
  }

  static VlmqException invalid(String where, String field, String value, String expected) {
    return new VlmqException(where + "." + field + " is " + value + ": expected " + expected + ".");
  }

  private static void putDtype(ObjectNode o, String key, TorchDType dtype) {
    if (dtype == null) o.putNull(key);
    else o.put(key, dtype.json());
  }

  private static void putArgs(ObjectNode o, String key, QuantizationArgs args) {
    if (args == null) o.putNull(key);
    else o.set(key, toJson(args));
  }

  private static QuantizationArgs optionalArgs(JsonNode node, String where, String key) {
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? null : args(v, where + "." + key);
  }

  private static void requireObject(JsonNode node, String where, Set<String> allowed) {
    if (node == null || !node.isObject()) throw new VlmqException(where + " must be a JSON object.");
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key))
        throw new VlmqException(where + " has unknown key '" + key + "' (compressed-tensors forbids extra keys): "
            + "allowed are " + allowed.stream().sorted().toList() + ".");
    }
  }

  private static String text(JsonNode node, String where, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) return null;
    if (!v.isTextual()) throw invalid(where, key, v.toString(), "a string");
    return v.asText();
  }

  private static int integer(JsonNode v, String where, String key) {
    if (!v.isIntegralNumber() || !v.canConvertToInt()) throw invalid(where, key, v.toString(), "an integer");
    return v.asInt();
  }

  private static boolean bool(JsonNode v, String where, String key) {
    if (!v.isBoolean()) throw invalid(where, key, v.toString(), "true or false");
    return v.asBoolean();
  }

  private static DynamicMode dynamic(JsonNode v, String where) {
    if (v.isBoolean()) return v.asBoolean() ? DynamicMode.DYNAMIC : DynamicMode.STATIC;
    if (v.isTextual() && v.asText().equalsIgnoreCase("local")) return DynamicMode.LOCAL;
    throw invalid(where, "dynamic", v.toString(), "true, false or \"local\"");
  }

  private static List<Integer> blockStructure(JsonNode v, String where) {
    List<Integer> dims = new ArrayList<>();
    if (v.isTextual()) {
      for (String part : v.asText().split("x", -1)) {
        try {
          dims.add(Integer.parseInt(part.trim()));
        } catch (NumberFormatException e) {
          throw invalid(where, "block_structure", v.toString(), "[rows, cols] or \"ROWSxCOLS\"");
        }
      }
    } else if (v.isArray()) {
      for (JsonNode d : v) dims.add(integer(d, where, "block_structure"));
    }
    if (dims.size() != 2) throw invalid(where, "block_structure", v.toString(), "[rows, cols] or \"ROWSxCOLS\"");
    return dims;
  }
}
