package vlmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import vlmq.demo.DemoModel;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.quantize.ProgressListener;
import vlmq.quantize.QuantizeJob;
import vlmq.recipe.Recipe;

/** {@code vlmq compare} on the bundled demo model against its FP8_DYNAMIC quantization. */
class CompareCommandTest {
  @TempDir static Path tmp;
  static Path model;
  static Path fp8;

  @BeforeAll
  static void quantizeTheDemo() {
    model = DemoModel.extractTo(tmp.resolve("demo"));
    fp8 = tmp.resolve("fp8");
    QuantizeJob.run(new QuantizeJob.Request(model, fp8, Recipe.fromPreset("FP8_DYNAMIC", List.of()), false,
        CheckpointWriter.DEFAULT_MAX_SHARD_BYTES, 2), ProgressListener.NONE);
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    var cli = new CommandLine(new CompareCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void printsWeightErrorsKlAndGreedyAgreement() {
    Run r = run(model.toString(), fp8.toString(), "--tokens", "8");
    assertThat(r.exitCode).as(r.err).isZero();
    assertThat(r.out).contains("14 quantized Linears, 12 kept unquantized")
        .contains("fp8_e4m3, channel (bf16 scales), fp8/token activations")
        .contains("summary over 4 prompts").contains("greedy: ").contains("images are synthetic");
    for (String type : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
        "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")) {
      assertThat(r.out).containsPattern("language +" + type.replace(".", "\\.") + " +2 ");
    }
    assertThat(r.out).contains("describe image").contains("image question").contains("text only")
        .contains("two images");
    assertThat(r.err).contains("vlmq: weights: comparing every quantized Linear");
  }

  @Test
  void jsonHoldsEveryLinearAndPrompt(@TempDir Path dir) throws Exception {
    Path prompts = Files.writeString(dir.resolve("prompts.txt"), "# token ids, then text\n151652 151655 151653 785 374\n\n"
        + "9707, 11, 1879\n<image> What is in this picture?\n");
    Run r = run(model.toString(), fp8.toString(), "--tokens", "4", "--prompts", prompts.toString(), "--json");
    assertThat(r.exitCode).as(r.err).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out);
    assertThat(json.path("weights").path("quantized").asInt()).isEqualTo(14);
    for (JsonNode l : json.path("weights").path("linears")) {
      assertThat(l.path("component").asText()).isEqualTo("language");
      // FP8 E4M3 keeps 3 mantissa bits: a Gaussian weight's relative error is about 2.5%
      assertThat(l.path("relativeError").asDouble()).isBetween(0.01, 0.05);
      assertThat(l.path("sqnrDb").asDouble()).isBetween(26.0, 40.0);
    }
    JsonNode p = json.path("prompts");
    assertThat(p).hasSize(3);
    assertThat(p.get(0).path("label").asText()).isEqualTo("line 2");
    assertThat(p.get(0).path("images").asInt()).isEqualTo(1);
    assertThat(p.get(1).path("positions").asInt()).isEqualTo(3);
    assertThat(p.get(1).path("baselineTokens")).hasSize(4);
    for (JsonNode prompt : p) assertThat(prompt.path("meanKl").asDouble()).isGreaterThan(0).isLessThan(1e-3);
    assertThat(p.get(2).path("images").asInt()).isEqualTo(1);
    assertThat(p.get(2).path("baselineText").asText()).isNotEmpty();
    assertThat(json.path("summary").path("prompts").asInt()).isEqualTo(3);
  }

  @Test
  void aModelAgainstItselfAgreesExactly() throws Exception {
    Run r = run(model.toString(), model.toString(), "--tokens", "6", "--json");
    assertThat(r.exitCode).as(r.err).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out);
    assertThat(json.path("weights").path("quantized").asInt()).isZero();
    JsonNode s = json.path("summary");
    // the Vector API's interpreted and compiled lane reductions round differently, so a cold and a warm forward
    // pass may differ in the last bits
    assertThat(s.path("klMax").asDouble()).isLessThan(1e-9);
    assertThat(s.path("top1").asDouble()).isEqualTo(1.0);
    assertThat(s.path("greedyIdentical").asInt()).isEqualTo(4);
  }

  @Test
  void aQuantizedBaselineIsRefused() {
    Run r = run(fp8.toString(), model.toString(), "--tokens", "0");
    assertThat(r.exitCode).isNotZero();
    assertThat(r.err).contains("compare against the unquantized checkpoint");
  }
}
