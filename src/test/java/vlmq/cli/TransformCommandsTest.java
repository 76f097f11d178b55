package vlmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.quantize.ProgressListener;
import vlmq.quantize.QuantizeJob;
import vlmq.recipe.Recipe;

/** {@code vlmq convert} and {@code vlmq repair} as a user runs them. */
class TransformCommandsTest {
  @TempDir Path tmp;

  private record Run(int code, String out) {}

  private static Run run(Object command, String... args) {
    var out = new StringWriter();
    var cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(new StringWriter()));
    return new Run(cli.execute(args), out.toString());
  }

  private Path quantized(String scheme, boolean vision) {
    return QuantizeJob.run(new QuantizeJob.Request(Path.of("src/test/resources/fixtures/qwen2_5_vl"), tmp.resolve("ct"),
        Recipe.fromPreset(scheme, vision ? List.of("lm_head") : List.of()), vision,
        CheckpointWriter.DEFAULT_MAX_SHARD_BYTES, 1), ProgressListener.NONE).output();
  }

  @Test
  void convertPrintsWhatItWrote() {
    var ct = quantized("NVFP4A16", false);
    var mo = tmp.resolve("mo");
    var r = run(new ConvertCommand(), ct.toString(), "--to", "modelopt", "-o", mo.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("converted " + ct + " (compressed-tensors) -> " + mo + " (modelopt)\n")
        .contains("      wrote 14 Linear layers as ModelOpt W4A16_NVFP4 (codes and FP8 block scales copied, global"
            + " scales inverted): model.layers.{0,1}.mlp.down_proj,")
        .contains("      excluded 13 kept Linear layers with 31 entries under ignore and exclude_modules")
        .endsWith("next: vlmq check " + mo + "\n");
    var back = run(new ConvertCommand(), mo.toString(), "--to", "compressed-tensors", "-o",
        tmp.resolve("b").toString());
    assertThat(back.code()).isZero();
    assertThat(back.out()).contains("wrote 14 Linear layers as compressed-tensors nvfp4-pack-quantized");
  }

  @Test
  void repairListsEveryChange() {
    var ct = quantized("FP8_DYNAMIC", true);
    var fixed = tmp.resolve("fixed");
    var r = run(new RepairCommand(), ct.toString(), "-o", fixed.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out().lines().toList()).containsExactly(
        "repaired " + ct + " (compressed-tensors) -> " + fixed,
        "  P1    dequantized 12 vision tower/projector Linear layers to BF16 (weight × scale; were FP8 per-channel,"
            + " their scales dropped): visual.blocks.{0,1}.attn.proj, visual.blocks.{0,1}.attn.qkv,"
            + " visual.blocks.{0,1}.mlp.down_proj, visual.blocks.{0,1}.mlp.gate_proj, visual.blocks.{0,1}.mlp.up_proj,"
            + " visual.merger.mlp.{0,2}",
        "  R4    ignore rewritten as every kept Linear layer under each name vLLM and transformers match (26 explicit"
            + " names; was 1 entry: lm_head)",
        "next: vlmq check " + fixed);
  }

  @Test
  void missingArgumentsAreUsageErrors() {
    assertThat(run(new ConvertCommand(), "x", "-o", "y").code()).isEqualTo(2);
    assertThat(run(new RepairCommand(), "x").code()).isEqualTo(2);
  }
}
