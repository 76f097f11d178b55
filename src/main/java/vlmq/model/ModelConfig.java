package vlmq.model;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import vlmq.VlmqException;

/**
 * A model's {@code config.json}, read as transformers reads it: nested {@code text_config}/{@code vision_config}
 * where present, flat top-level text fields otherwise (original Qwen2-VL/2.5-VL releases).
 */
public record ModelConfig(JsonNode root) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public ModelConfig {
    if (root == null || !root.isObject()) throw new VlmqException("config.json must be a JSON object");
  }

  /** Reads {@code configJson}; a missing, unreadable or malformed file is a {@link VlmqException} naming it. */
  public static ModelConfig read(Path configJson) {
    String text;
    try {
      text = Files.readString(configJson);
    } catch (NoSuchFileException e) {
      throw new VlmqException(configJson + " not found: point at a model directory that contains config.json", e);
    } catch (IOException e) {
      throw new VlmqException("cannot read " + configJson + ": " + e.getMessage(), e);
    }
    return parse(text, configJson.toString());
  }

  /** Parses config.json text; {@code source} names it in error messages. */
  public static ModelConfig parse(String json, String source) {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JacksonException e) {
      var where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
      throw new VlmqException(source + " is not valid JSON" + where + ": " + e.getOriginalMessage(), e);
    }
    if (node == null || !node.isObject()) throw new VlmqException(source + " must hold a JSON object");
    return new ModelConfig(node);
  }

  /** The {@code architectures} list; empty when absent. */
  public List<String> architectures() {
    var out = new ArrayList<String>();
    root.path("architectures").forEach(n -> {
      if (n.isTextual()) out.add(n.asText());
    });
    return List.copyOf(out);
  }

  /** The first architecture, or "" when none is named. */
  public String architecture() {
    var all = architectures();
    return all.isEmpty() ? "" : all.getFirst();
  }

  /** The top-level {@code model_type}, or "". */
  public String modelType() {
    return root.path("model_type").asText("");
  }

  /** The text model's fields: {@code text_config} when present, else the top level (flat configs). */
  public JsonNode textConfig() {
    var text = root.path("text_config");
    return text.isObject() ? text : root;
  }

  /** The vision tower's fields, or a missing node. */
  public JsonNode visionConfig() {
    var vision = root.path("vision_config");
    return vision.isObject() ? vision : MissingNode.getInstance();
  }

  /**
   * {@code tie_word_embeddings} if the config states it; pre-v5 saves may put it inside {@code text_config}, and
   * transformers treats the model as tied if either place says true.
   */
  public Optional<Boolean> tieWordEmbeddings() {
    var top = root.path("tie_word_embeddings");
    var text = root.path("text_config").path("tie_word_embeddings");
    if (!top.isBoolean() && !text.isBoolean()) return Optional.empty();
    return Optional.of(top.asBoolean(false) || text.asBoolean(false));
  }
}
