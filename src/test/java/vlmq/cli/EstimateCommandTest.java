package vlmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EstimateCommandTest {
  private static final String QWEN25_7B = "src/test/resources/estimate/Qwen2.5-VL-7B-Instruct";
  private static final String QWEN35_9B = "src/test/resources/estimate/Qwen3.5-9B";

  private static CliRun run(String... args) {
    return CliRun.command("estimate", args);
  }

  @Test
  void humanReportHasTheTableKvVisionAndVerdict() {
    var r = run(QWEN35_9B, "--scheme", "FP8_DYNAMIC", "--gpu-memory", "24GiB", "--max-model-len", "32768",
        "--image-size", "1280x720", "--threads", "4");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("scheme FP8_DYNAMIC (vision-preserving default plan)")
        .containsPattern("language +6\\.92B +13\\.8 GB +8\\.54 GB +128/248")
        .containsPattern("total +9\\.65B +19\\.3 GB +14\\.0 GB +128/367")
        .contains("8 attention layers: 32.0 KiB per token (16-bit 32.0 KiB, fp8 16.0 KiB)")
        .contains("24 Gated DeltaNet layers keep a state per sequence instead")
        .contains("1 image of 1280x720: 3,520 patches, 880 tokens each")
        .contains("FITS: ")
        .contains("Quantize run (FP8_DYNAMIC)", "4 threads", "llm-compressor loads the whole model");
  }

  @Test
  void verdictSaysWhenVllmWouldRefuse() {
    var r = run(QWEN25_7B, "--gpu-memory", "24GiB");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("one sequence of 128,000 tokens: 6.84 GiB")
        .contains("DOES NOT FIT: one sequence of 128,000 tokens needs 6.84 GiB; vLLM refuses to start");
  }

  @Test
  void maxNumSeqsReportsTheContextEachGets() {
    var r = run(QWEN25_7B, "--gpu-memory", "80GiB", "--max-num-seqs", "64", "--image-size", "640x480");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).containsPattern("64 concurrent sequences: up to [0-9,]+ tokens each");
  }

  @Test
  void jsonCarriesTheSameFigures() throws IOException {
    var r = run(QWEN25_7B + "/config.json", "--json", "--scheme", "FP8_DYNAMIC", "--kv-cache-dtype", "fp8",
        "--gpu-memory", "80GiB", "--max-model-len", "32768");
    assertThat(r.exitCode()).as(r.err()).isZero();
    var json = new ObjectMapper().readTree(r.out());
    assertThat(json.path("family").asText()).isEqualTo("qwen2_5_vl");
    assertThat(json.path("total").path("bytes").asLong()).isEqualTo(16_584_333_312L);
    assertThat(json.path("kvCache").path("bytesPerToken16").asLong()).isEqualTo(57_344);
    assertThat(json.path("kvCache").path("bytesPerToken").asLong()).isEqualTo(28_672);
    assertThat(json.path("components").size()).isEqualTo(5);
    assertThat(json.path("fit").path("maxSequences").asLong()).isPositive();
    assertThat(json.path("quantizeRun").path("outputBytes").asLong())
        .isEqualTo(json.path("total").path("bytesAfterScheme").asLong());
    assertThat(json.path("vision").path("tokensPerImage").asLong()).isEqualTo(16384);
  }

  /** The bundled demo carries Qwen2.5-VL's preprocessor_config.json: 200x150 becomes a 10x14 grid, 35 tokens. */
  @Test
  void checkpointProcessorSettingsAreUsed() {
    var r = run("src/main/resources/vlmq/demo/qwen2_5_vl_tiny", "--image-size", "200x150");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("1 image of 200x150: 140 patches, 35 tokens each")
        .contains("KV cache (auto: 2 bytes per element, per GPU)");
  }

  @Test
  void missingConfigIsOneLine(@TempDir Path tmp) {
    var r = run(tmp.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("vlmq: " + tmp.resolve("config.json")
        + " not found: point at a model directory that contains config.json");
  }

  @Test
  void unknownArchitectureIsOneLine(@TempDir Path tmp) throws IOException {
    Files.writeString(tmp.resolve("config.json"), "{\"architectures\": [\"FooForCausalLM\"], \"model_type\": \"foo\"}");
    var r = run(tmp.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("vlmq: config.json names architecture 'FooForCausalLM' (model_type 'foo'), "
        + "which estimate cannot size").hasLineCount(1);
  }

  @Test
  void missingSizeFieldNamesIt(@TempDir Path tmp) throws IOException {
    var config = Files.readString(Path.of(QWEN25_7B, "config.json")).replace("\"num_hidden_layers\": 28,", "");
    Files.writeString(tmp.resolve("config.json"), config);
    var r = run(tmp.toString());
    assertThat(r.err().strip()).isEqualTo(
        "vlmq: config.json has no num_hidden_layers; estimate needs it to size the model");
  }

  @Test
  void badOptionsAreOneLine() {
    assertThat(run(QWEN25_7B, "--gpu-memory", "24XB").err().strip()).isEqualTo("vlmq: --gpu-memory '24XB' is not "
        + "a size: write a number with a unit such as 24GiB, 80GB or 512MiB");
    assertThat(run(QWEN25_7B, "--image-size", "1280*720").err().strip())
        .isEqualTo("vlmq: --image-size '1280*720' is not WIDTHxHEIGHT in pixels, e.g. 1280x720");
    assertThat(run(QWEN25_7B, "--gpu-memory-utilization", "1.5").err().strip())
        .isEqualTo("vlmq: --gpu-memory-utilization 1.5 must be in (0, 1], e.g. 0.9");
    assertThat(run(QWEN25_7B, "--kv-cache-dtype", "int8").err().strip())
        .startsWith("vlmq: --kv-cache-dtype 'int8' is not one vLLM accepts");
    assertThat(run(QWEN25_7B, "--scheme", "FP8").err().strip()).contains("needs calibration data");
  }
}
