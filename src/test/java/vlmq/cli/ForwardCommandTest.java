package vlmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import vlmq.VlmqException;
import vlmq.io.safetensors.Checkpoint;
import vlmq.numeric.DType;

/** {@code vlmq forward} end to end: PNG and raw ids in, transformers' logits out (tools/dump_engine_reference.py). */
class ForwardCommandTest {
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(ForwardCommandTest.class.getResource(name).toURI());
  }

  private static CommandLine cli(StringWriter out) {
    var cli = new CommandLine(new ForwardCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(new StringWriter(), true));
    return cli;
  }

  /** Runs the command and returns the exception it failed with (Main turns it into the one-line message). */
  private static Exception failure(String... args) {
    var thrown = new AtomicReference<Exception>();
    var cli = cli(new StringWriter());
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      thrown.set(ex);
      return 2;
    });
    assertThat(cli.execute(args)).isEqualTo(2);
    return thrown.get();
  }

  private static long[] longs(Checkpoint file, String name) {
    return file.find(name).orElseThrow().data().toArray(I64);
  }

  @Test
  void writesTheLogitsTransformersComputesForIdsAndAnImage(@TempDir Path tmp) throws Exception {
    Path reference = resource("/engine/qwen/qwen2_5_vl/wide.safetensors");
    String ids;
    long[] expectedIds;
    float[] expectedLogits;
    try (var ref = Checkpoint.open(reference)) {
      ids = Arrays.stream(longs(ref, "prompt_ids")).mapToObj(Long::toString).collect(Collectors.joining(","));
      expectedIds = longs(ref, "input_ids");
      expectedLogits = ref.find("logits").orElseThrow().data().toArray(F32);
    }
    Path out = tmp.resolve("logits.safetensors");
    var printed = new StringWriter();
    int code = cli(printed).execute(resource("/fixtures/qwen2_5_vl").toString(), "--token-ids", ids, "--image",
        resource("/engine/qwen/inputs/p14/wide_0.png").toString(), "--out", out.toString());

    assertThat(code).isZero();
    assertThat(printed.toString()).contains("logits [47, 512]", "35 image token(s) from 1 image(s)");
    assertThat(Files.list(tmp).map(p -> p.getFileName().toString())).containsExactly("logits.safetensors");
    try (var written = Checkpoint.open(out)) {
      var logits = written.find("logits").orElseThrow();
      assertThat(logits.dtype()).isEqualTo(DType.F32);
      assertThat(logits.shape()).containsExactly(47, 512);
      assertThat(longs(written, "input_ids")).isEqualTo(expectedIds);
      float[] actual = logits.data().toArray(F32);
      double maxDiff = 0;
      double maxRef = 0;
      for (int i = 0; i < actual.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expectedLogits[i]));
        maxRef = Math.max(maxRef, Math.abs(expectedLogits[i]));
      }
      assertThat(maxDiff / maxRef).isLessThan(1e-4);
    }
  }

  @Test
  void refusesAnImageCountThatDoesNotMatchTheImagePadIds(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("logits.safetensors");
    String[] args = {resource("/fixtures/qwen2_5_vl").toString(), "--token-ids", "5,506,509,507,509,7", "--image",
        resource("/engine/qwen/inputs/p14/wide_0.png").toString(), "--out", out.toString()};
    assertThat(failure(args)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("2 image_pad token(s) (id 509) for 1 image(s)");
    assertThat(out).doesNotExist();
  }

  @Test
  void keepsAnExistingOutputUnlessAskedToOverwrite(@TempDir Path tmp) throws Exception {
    Path out = Files.writeString(tmp.resolve("logits.safetensors"), "keep me");
    String model = resource("/fixtures/qwen2_5_vl").toString();
    assertThat(failure(model, "--token-ids", "5,6,7", "--out", out.toString())).isInstanceOf(VlmqException.class)
        .hasMessageContaining("already exists");
    assertThat(Files.readString(out)).isEqualTo("keep me");

    assertThat(cli(new StringWriter()).execute(model, "--token-ids", "5,6,7", "--out", out.toString(),
        "--overwrite")).isZero();
    try (var written = Checkpoint.open(out)) {
      assertThat(written.find("logits").orElseThrow().shape()).containsExactly(3, 512);
    }
  }
}
