package vlmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import vlmq.VlmqException;
import vlmq.engine.tokenizer.Tokenizer;
import vlmq.io.safetensors.Checkpoint;

/**
 * {@code vlmq run} end to end on the bundled demo (real tokenizer and chat template, random weights): the answer is
 * the decode of the tokens transformers' generate produces for the same chat (tools/dump_engine_reference.py), and
 * the speeds go to stderr.
 */
class RunCommandTest {
  private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private static Path resource(String name) {
    try {
      return Path.of(RunCommandTest.class.getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final Path DEMO = resource("/vlmq/demo/qwen2_5_vl_tiny");

  private record Result(int exitCode, String out, String err, Exception failure) {}

  private static Result run(String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    var failure = new Exception[1];
    var cli = new CommandLine(new RunCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      failure[0] = ex;
      return 2;
    });
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString(), failure[0]);
  }

  private static int[] reference(String input, String name) {
    try (var file = Checkpoint.open(resource("/engine/qwen/demo/" + input + ".safetensors"))) {
      return Arrays.stream(file.find(name).orElseThrow().data().toArray(I64)).mapToInt(Math::toIntExact).toArray();
    }
  }

  private static String decode(int[] ids) {
    try (var tokenizer = Tokenizer.load(DEMO)) {
      return tokenizer.decode(ids, true);
    }
  }

  /** transformers: the demo's chat template, greedy with generation_config's repetition_penalty 1.05. */
  @Test
  void theAnswerIsTheDecodeOfTransformersTokens() {
    Result r = run(DEMO.toString(), "--prompt", "Describe this.", "--max-tokens", "32");
    assertThat(r.failure).isNull();
    int[] expected = reference("text", "generated_penalised");
    assertThat(r.out).isEqualTo(decode(expected) + System.lineSeparator());
    assertThat(r.err).contains("no images; prefill 22 tokens, ").contains("decode 31 tokens, ")
        .contains("32 tokens generated, reached --max-tokens");
  }

  @Test
  void anImageRunStopsAtMaxTokensAndReportsTheVisionEncoder() {
    Result r = run(DEMO.toString(), "--image", resource("/engine/qwen/inputs/p14/wide_0.png").toString(),
        "--prompt", "Describe this.", "--max-tokens", "5", "--repetition-penalty", "1");
    assertThat(r.exitCode).isZero();
    assertThat(r.out).isEqualTo(decode(Arrays.copyOf(reference("wide", "generated"), 5)) + System.lineSeparator());
    assertThat(r.err).matches("(?s)vlmq run: vision encoder \\d+ ms \\(1 image, 35 tokens\\); prefill 59 tokens, "
        + "[\\d.]+ tok/s; decode 4 tokens, [\\d.]+ tok/s; 5 tokens generated, reached --max-tokens\\R");
  }

  @Test
  void seededSamplingRepeatsItself() {
    String[] args = {DEMO.toString(), "--prompt", "Write a poem.", "--system", "You are a poet.", "--max-tokens", "12",
        "--temperature", "1.0", "--top-p", "0.95", "--seed", "7"};
    Result first = run(args);
    assertThat(first.exitCode).isZero();
    assertThat(run(args).out).isEqualTo(first.out);
    assertThat(first.err).contains("12 tokens generated");
  }

  @Test
  void badOptionsAreRefusedByName() {
    assertThat(run(DEMO.toString(), "--prompt", "x", "--max-tokens", "0").failure).isInstanceOf(VlmqException.class)
        .hasMessageContaining("--max-tokens must be at least 1");
    assertThat(run(DEMO.toString(), "--prompt", "x", "--top-p", "0").failure).isInstanceOf(VlmqException.class)
        .hasMessageContaining("--top-p");
    assertThat(run(resource("/fixtures/qwen2_5_vl").toString(), "--prompt", "x").failure)
        .isInstanceOf(VlmqException.class).hasMessageContaining("has no tokenizer.json");
  }
}
