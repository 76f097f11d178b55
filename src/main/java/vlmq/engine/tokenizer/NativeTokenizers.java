package vlmq.engine.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import vlmq.VlmqException;

/**
 * Settings DJL reads before it first loads the tokenizers native library: offline (it must never try to download
 * a library or a model), a writable cache folder to extract the library from its jar into (DJL's {@code ~/.djl.ai},
 * or one under {@code java.io.tmpdir} when the home folder is not writable), and SLF4J's no-op logger, so a
 * missing logging backend is not announced on stderr. Settings the user made are kept.
 */
final class NativeTokenizers {
  private NativeTokenizers() {}

  static synchronized void configure() {
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
    setIfAbsent("slf4j.internal.verbosity", "WARN");
    if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null
        && System.getProperty("ENGINE_CACHE_DIR") == null && System.getenv("ENGINE_CACHE_DIR") == null) {
      Path home = Path.of(System.getProperty("user.home"), ".djl.ai");
      if (!writable(home)) {
        System.setProperty("DJL_CACHE_DIR",
            Path.of(System.getProperty("java.io.tmpdir"), "djl-" + System.getProperty("user.name")).toString());
      }
    }
  }

  /** The error for a tokenizer that could not be created: the native library or the file is at fault. */
  static VlmqException failure(Path file, Throwable e) {
    String platform = System.getProperty("os.name") + " " + System.getProperty("os.arch");
    if (e instanceof UnsatisfiedLinkError || String.valueOf(e.getMessage()).contains("native")) {
      return new VlmqException("cannot load the Hugging Face tokenizers native library on " + platform + " ("
          + e.getMessage() + "); DJL's jar bundles it for linux-x86_64/aarch64, macOS arm64 and windows-x86_64 and "
          + "extracts it to DJL_CACHE_DIR (default ~/.djl.ai): check that folder is writable", e);
    }
    return new VlmqException("cannot read " + file + " as a Hugging Face tokenizer: " + e.getMessage(), e);
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) System.setProperty(key, value);
  }

  private static boolean writable(Path dir) {
    try {
      Files.createDirectories(dir);
      return Files.isWritable(dir);
    } catch (IOException | SecurityException e) {
      return false;
    }
  }
}
