package vlmq.estimate;

import java.net.URISyntaxException;
import java.nio.file.Path;
import vlmq.model.ModelConfig;

/** The public configs under src/test/resources/estimate/ (see the README there for their provenance). */
final class PublicConfigs {
  private PublicConfigs() {}

  static Path dir(String name) {
    return resource("/estimate/" + name);
  }

  /** A test resource, e.g. {@code /fixtures/gemma3_native/config.json}. */
  static Path resource(String path) {
    try {
      return Path.of(PublicConfigs.class.getResource(path).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static ModelConfig config(String name) {
    return ModelConfig.read(dir(name).resolve("config.json"));
  }
}
