package vlmq.estimate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import vlmq.VlmqException;

/**
 * One object of a config.json (the top level, {@code text_config}, {@code vision_config}) read with the defaults
 * transformers' config classes apply, so a missing or mistyped field fails with its dotted name instead of a
 * NullPointerException or a silently wrong size.
 *
 * @param node the JSON object (may be a missing node: every required read then fails)
 * @param where the object's dotted path for messages, e.g. {@code text_config}; "" for the top level
 */
record Fields(JsonNode node, String where) {

  /** The nested object {@code name}, or this object without one (flat Qwen2-VL configs keep text fields on top). */
  Fields nestedOrSelf(String name) {
    var nested = node.path(name);
    return nested.isObject() ? new Fields(nested, path(name)) : this;
  }

  /** The nested object {@code name}; reads from it fail with its name when it is absent. */
  Fields nested(String name) {
    return new Fields(node.path(name), path(name));
  }

  boolean has(String name) {
    var v = node.path(name);
    return !v.isMissingNode() && !v.isNull();
  }

  /** A required positive integer. */
  long positive(String name) {
    if (!has(name)) {
      throw new VlmqException("config.json has no " + path(name) + "; estimate needs it to size the model");
    }
    return positiveValue(name, node.path(name));
  }

  /** A positive integer, or {@code fallback} (transformers' class default) when the config leaves it out. */
  long positive(String name, long fallback) {
    return has(name) ? positiveValue(name, node.path(name)) : fallback;
  }

  /** A non-negative integer, or {@code fallback} when absent. */
  long count(String name, long fallback) {
    if (!has(name)) return fallback;
    var v = node.path(name);
    if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) throw bad(name, v, "a non-negative integer");
    return v.asLong();
  }

  boolean flag(String name, boolean fallback) {
    if (!has(name)) return fallback;
    var v = node.path(name);
    if (!v.isBoolean()) throw bad(name, v, "true or false");
    return v.asBoolean();
  }

  double number(String name, double fallback) {
    if (!has(name)) return fallback;
    var v = node.path(name);
    if (!v.isNumber()) throw bad(name, v, "a number");
    return v.asDouble();
  }

  String text(String name, String fallback) {
    if (!has(name)) return fallback;
    var v = node.path(name);
    if (!v.isTextual()) throw bad(name, v, "a string");
    return v.asText();
  }

  /** A list of non-negative integers, or an empty list when absent. */
  List<Long> counts(String name) {
    if (!has(name)) return List.of();
    var v = node.path(name);
    if (!v.isArray()) throw bad(name, v, "a list of integers");
    var out = new ArrayList<Long>();
    for (var e : v) {
      if (!e.isIntegralNumber() || e.asLong() < 0) throw bad(name, v, "a list of non-negative integers");
      out.add(e.asLong());
    }
    return List.copyOf(out);
  }

  /** A list of strings, or an empty list when absent. */
  List<String> texts(String name) {
    if (!has(name)) return List.of();
    var v = node.path(name);
    if (!v.isArray()) throw bad(name, v, "a list of strings");
    var out = new ArrayList<String>();
    for (var e : v) {
      if (!e.isTextual()) throw bad(name, v, "a list of strings");
      out.add(e.asText());
    }
    return List.copyOf(out);
  }

  /** An integer or a [height, width] pair (InternVL writes sizes both ways); the first of a pair. */
  long side(String name, long fallback) {
    if (!has(name)) return fallback;
    var v = node.path(name);
    if (v.isArray() && !v.isEmpty()) return positiveValue(name, v.get(0));
    return positiveValue(name, v);
  }

  String path(String name) {
    return where.isEmpty() ? name : where + "." + name;
  }

  private long positiveValue(String name, JsonNode v) {
    if (!v.isIntegralNumber() || v.asLong() <= 0) throw bad(name, v, "a positive integer");
    return v.asLong();
  }

  private VlmqException bad(String name, JsonNode v, String expected) {
    return new VlmqException("config.json: " + path(name) + " is " + v + ", expected " + expected);
  }
}
