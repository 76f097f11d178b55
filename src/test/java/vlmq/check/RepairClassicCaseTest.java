package vlmq.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.io.safetensors.Checkpoint;
import vlmq.numeric.DType;
import vlmq.transform.Change;
import vlmq.transform.Repair;

/**
 * {@code vlmq repair} on the seed case B of engine-loading-rules §1 (Qwen2.5-VL, ModelOpt 0.33.1 FP8 with
 * {@code exclude_modules: ["lm_head"]}, FP8 vision tower and vision {@code k_proj.k_scale}/{@code v_proj.v_scale}),
 * checked again afterwards.
 */
class RepairClassicCaseTest {
  @TempDir Path tmp;

  @Test
  void caseBRepairedLoadsCleanlyInEveryVllmVersion() throws IOException {
    var source = ClassicCaseTest.caseB().write(tmp, "qwen25vl-fp8-B");
    var sourceFiles = listing(source);
    var before = Checker.check(source, Target.defaults());
    assertThat(before.findings()).extracting(Finding::rule).contains("R1", "R2", "P1", "P4");

    var result = Repair.run(source, tmp.resolve("qwen25vl-fp8-B-repaired"));
    assertThat(result.format()).isEqualTo("modelopt");
    assertThat(result.changes()).extracting(Change::rule).containsExactly("R1", "R2", "", "P3", "P4");
    assertThat(result.changes().get(0).names()).containsExactly("visual.blocks.{0,1}.attn.k_proj.k_scale",
        "visual.blocks.{0,1}.attn.v_proj.v_scale");
    assertThat(result.changes().get(1).line()).startsWith("R2    dequantized 12 vision tower/projector Linear layers"
        + " to BF16 (weight × scale; were FP8 per-tensor, their scales dropped): visual.blocks.{0,1}.attn.proj,");

    var after = Checker.check(result.output(), Target.defaults());
    assertThat(after.findings()).as(ReportTextTest.render(after)).isEmpty();
    assertThat(after.otherVersions()).isEmpty();
    assertThat(after.loads()).isTrue();
    assertThat(after.cleanIn()).isEqualTo("all vLLM versions examined (0.10.0 – main)");

    try (var in = Checkpoint.open(source); var out = Checkpoint.open(result.output())) {
      assertThat(out.tensors()).noneMatch(t -> t.name().startsWith("visual.") && (t.name().endsWith("_scale")));
      var qkv = out.find("visual.blocks.0.attn.qkv.weight").orElseThrow();
      assertThat(qkv.dtype()).isEqualTo(DType.BF16);
      assertThat(qkv.shape()).containsExactly(192, 64);
      for (var t : in.tensors()) {
        if (t.name().startsWith("visual.")) continue;
        assertThat(out.find(t.name()).orElseThrow().data().mismatch(t.data())).as(t.name()).isEqualTo(-1);
      }
    }
    assertThat(listing(source)).isEqualTo(sourceFiles);
  }

  private static String listing(Path dir) throws IOException {
    var s = new StringBuilder();
    try (Stream<Path> files = Files.list(dir)) {
      for (var f : files.sorted().toList()) s.append(f.getFileName()).append(' ').append(Files.size(f))
          .append(' ').append(Files.getLastModifiedTime(f)).append('\n');
    }
    return s.toString();
  }
}
