package vlmq.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import vlmq.io.safetensors.Checkpoint;
import vlmq.model.ModelConfig;

/**
 * A tiny family checkpoint written by tools/make_fixtures.py (config.json, model.safetensors) with transformers'
 * expected.json: its Linear modules in named_modules order, runtime name to stored name.
 */
record FamilyFixture(String id, Path dir, JsonNode expected) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static List<FamilyFixture> all() {
    try (var dirs = Files.list(root())) {
      return dirs.filter(Files::isDirectory).sorted().map(FamilyFixture::load).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static FamilyFixture named(String id) {
    return load(root().resolve(id));
  }

  private static Path root() {
    try {
      return Path.of(FamilyFixture.class.getResource("/fixtures").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static FamilyFixture load(Path dir) {
    try {
      return new FamilyFixture(dir.getFileName().toString(), dir, JSON.readTree(dir.resolve("expected.json").toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  ModelConfig config() {
    return ModelConfig.read(dir.resolve("config.json"));
  }

  QuantizationPlan plan(Recipe recipe, boolean quantizeVision) {
    try (var checkpoint = Checkpoint.open(dir)) {
      return QuantizationPlan.resolve(recipe, config(), checkpoint, quantizeVision);
    }
  }

  /** Stored (checkpoint) names of the Linear modules, in transformers' named_modules order. */
  List<String> linearModules() {
    var out = new ArrayList<String>();
    expected.get("linear_modules").properties().forEach(e -> out.add(e.getValue().asText()));
    return out;
  }

  /** Stored name to transformers runtime name. */
  Map<String, String> runtimeNames() {
    var out = new java.util.LinkedHashMap<String, String>();
    expected.get("linear_modules").properties().forEach(e -> out.put(e.getValue().asText(), e.getKey()));
    return out;
  }

  /** The component transformers' view gives a stored tensor. */
  String component(String tensor) {
    return expected.get("tensors").get(tensor).get("component").asText();
  }

  @Override
  public String toString() {
    return id;
  }
}
