package vlmq.check;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The classic-case and safe checkpoints written for tests outside this package (the CLI's). */
public final class CheckFixtures {
  private CheckFixtures() {}

  public static Path classicA(Path parent) {
    return ClassicCaseTest.caseA().write(mkdirs(parent), "qwen25vl-fp8-A");
  }

  public static Path classicB(Path parent) {
    return ClassicCaseTest.caseB().write(mkdirs(parent), "qwen25vl-fp8-B");
  }

  public static Path modelOptSafe(Path parent) {
    return RuleCases.modelOptSafe().write(mkdirs(parent), "qwen25vl-fp8-safe");
  }

  private static Path mkdirs(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
