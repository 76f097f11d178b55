package vlmq.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

/** A tiny model written by tools/make_fixtures.py, with transformers' expected.json view of it. */
record Fixture(String id, Path dir, JsonNode expected) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static List<Fixture> all() {
    try (var dirs = Files.list(root())) {
      return dirs.filter(Files::isDirectory).sorted().map(Fixture::load).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Fixture named(String id) {
    return load(root().resolve(id));
  }

  private static Path root() {
    try {
      return Path.of(Fixture.class.getResource("/fixtures").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Fixture load(Path dir) {
    try {
      return new Fixture(dir.getFileName().toString(), dir, JSON.readTree(dir.resolve("expected.json").toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  ModelConfig config() {
    return ModelConfig.read(dir.resolve("config.json"));
  }

  /** Stored tensor name → shape, as the safetensors header lists them. */
  Map<String, long[]> shapes() {
    var out = new LinkedHashMap<String, long[]>();
    expected.get("tensors").properties().forEach(e -> out.put(e.getKey(),
        StreamSupport.stream(e.getValue().get("shape").spliterator(), false).mapToLong(JsonNode::asLong).toArray()));
    return out;
  }

  FamilyMap map() {
    return FamilyMap.of(config(), shapes());
  }

  @Override
  public String toString() {
    return id;
  }
}
