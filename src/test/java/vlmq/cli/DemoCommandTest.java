package vlmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.demo.DemoModel;

class DemoCommandTest {
  @Test
  void manifestListsEveryBundledFile() throws IOException {
    Path bundled = Path.of("src/main/resources/vlmq/demo/qwen2_5_vl_tiny");
    try (Stream<Path> files = Files.list(bundled)) {
      assertThat(DemoModel.files())
          .containsExactlyInAnyOrderElementsOf(files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("files.txt")).toList());
    }
  }

  @Test
  void demoInspectsTheBundledQwen25Vl(@TempDir Path tmp) {
    CliRun run = CliRun.of("demo", "--dir", tmp.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("Qwen2.5-VL", "tied to the embeddings", "vision", "tokenizer (tokenizer.json)",
        "Quantized: 14 of 26 Linear modules", "== 4. check", "verdict: will load", "output: ");
    assertThat(tmp.resolve("qwen2_5_vl_tiny-FP8-dynamic/config.json")).content().contains("compressed-tensors");
    assertThat(tmp.resolve("qwen2_5_vl_tiny/model.safetensors")).isRegularFile();
  }
}
