package vlmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class InspectCommandTest {
  private static final Path FIXTURES = Path.of("src/test/resources/fixtures");
  private static final ObjectMapper JSON = new ObjectMapper();

  static Stream<Path> fixtures() throws IOException {
    return Files.list(FIXTURES).filter(Files::isDirectory).sorted();
  }

  /** Component parameter counts must equal what transformers counts for the model's submodules. */
  @ParameterizedTest
  @MethodSource("fixtures")
  void jsonComponentsMatchTransformers(Path fixture) throws IOException {
    JsonNode expected = JSON.readTree(fixture.resolve("expected.json").toFile());
    CliRun run = CliRun.of("inspect", fixture.toString(), "--json");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode report = JSON.readTree(run.out());
    assertThat(report.path("family").asText()).isEqualTo(expected.path("family").asText());
    expected.path("component_parameters").properties().forEach(e ->
        assertThat(report.path("components").path(e.getKey()).path("parameters").asLong())
            .as("%s %s parameters", fixture.getFileName(), e.getKey())
            .isEqualTo(e.getValue().asLong()));
    assertThat(report.path("parameters").asLong()).isEqualTo(expected.path("total_parameters").asLong());
    long bytes = 0;
    for (JsonNode c : report.path("components")) bytes += c.path("bytes").asLong();
    assertThat(report.path("bytes").asLong()).isEqualTo(bytes).isPositive();
  }

  @Test
  void textReportNamesFamilyComponentsAndServingFiles() {
    CliRun run = CliRun.of("inspect", FIXTURES.resolve("qwen2_5_vl").toString());
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Qwen2.5-VL", "vision", "projector", "language", "native BF16", "serving files MISSING");
  }

  @Test
  void missingFolderIsOneLineAndExitTwo(@TempDir Path tmp) {
    CliRun run = CliRun.of("inspect", tmp.resolve("nope").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err().strip()).startsWith("vlmq: ").contains("nope").doesNotContain("Exception").hasLineCount(1);
  }

  @Test
  void folderWithoutWeightsIsOneLine(@TempDir Path tmp) throws IOException {
    Files.copy(FIXTURES.resolve("llava/config.json"), tmp.resolve("config.json"));
    CliRun run = CliRun.of("inspect", tmp.toString());
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.err().strip()).startsWith("vlmq: ").contains("safetensors").hasLineCount(1);
  }

  @Test
  void unreadableConfigIsOneLine(@TempDir Path tmp) throws IOException {
    Files.writeString(tmp.resolve("config.json"), "{\"architectures\": [");
    CliRun run = CliRun.of("inspect", tmp.toString());
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.err().strip()).startsWith("vlmq: ").contains("config.json").hasLineCount(1);
  }
}
