package vlmq.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import vlmq.VlmqException;

/**
 * The tiny Qwen2.5-VL bundled in the jar (real 151,936-token vocabulary and Qwen's tokenizer files, random
 * weights), so that every command can be tried without downloading a model.
 */
public final class DemoModel {
  static final String RESOURCE_DIR = "/vlmq/demo/qwen2_5_vl_tiny/";
  /** Lists the bundled files, one per line; resources in a jar cannot be listed otherwise. */
  static final String MANIFEST = "files.txt";

  private DemoModel() {}

  /** The names of the bundled checkpoint's files. */
  public static List<String> files() {
    try (InputStream in = resource(MANIFEST)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies the bundled checkpoint into {@code dir} (created if needed) and returns it. */
  public static Path extractTo(Path dir) {
    try {
      Files.createDirectories(dir);
      for (String name : files()) {
        try (InputStream in = resource(name)) {
          Files.copy(in, dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
      return dir;
    } catch (IOException e) {
      throw new VlmqException("cannot extract the demo model into " + dir + ": " + e.getMessage() + " — check free disk space and permissions.", e);
    }
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = DemoModel.class.getResourceAsStream(RESOURCE_DIR + name);
    if (in == null) throw new IOException("bundled demo file " + name + " is missing from the vlmq jar; rebuild it");
    return in;
  }
}
