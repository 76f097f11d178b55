package vlmq.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vlmq.format.modelopt.QuantAlgo;
import vlmq.model.Component;

/**
 * Every family fixture, both key layouts: unquantized it loads everywhere (Mllama aside), and a ModelOpt FP8 export
 * with vision KV scales is caught by R1 with the key its tower loader would raise on.
 */
class FamilyFixturesTest {
  @TempDir Path tmp;

  static Stream<String> families() throws IOException, URISyntaxException {
    var root = Path.of(FamilyFixturesTest.class.getResource("/fixtures").toURI());
    try (var dirs = Files.list(root)) {
      return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void unquantizedLoadsOnEveryEngine(String family) {
    var dir = CheckpointBuilder.family(family).write(tmp, family);
    for (var engine : Engine.values()) {
      var target = new Target(engine, "", VllmVersion.MAIN, Gpu.H100, 1);
      var report = Checker.check(dir, target);
      var bad = report.findings().stream()
          .filter(f -> f.severity() == Severity.ERROR || f.severity() == Severity.SILENT)
          .filter(f -> !(family.startsWith("mllama") && f.rule().equals("R20"))).toList();
      assertThat(bad).as(engine + "\n" + ReportTextTest.render(report)).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void visionKvScalesAreCaughtWithTheTowerKey(String family) {
    var b = CheckpointBuilder.family(family);
    var attention = b.attention(Component.VISION);
    if (attention.isEmpty()) return; // towers without q_proj/qkv naming (none today)
    b.modelOpt(QuantAlgo.FP8, b.linear(Component.LANGUAGE)).modelOptKvScales(attention)
        .modelOptConfigs("FP8", "FP8", List.of("lm_head", "*vision*", "*visual*", "*multi_modal_projector*"));
    var report = Checker.check(b.write(tmp, family), Target.defaults());
    var r1 = report.findings().stream().filter(f -> f.rule().equals("R1")).findFirst();
    assertThat(r1).as(ReportTextTest.render(report)).isPresent();
    assertThat(r1.get().severity()).isEqualTo(Severity.ERROR);
    assertThat(r1.get().engineMessage()).startsWith("KeyError: '").contains("k_scale");
    if (family.startsWith("qwen")) {
      assertThat(r1.get().engineMessage()).startsWith("KeyError: 'blocks.0.attn.k_proj.k_scale'");
    }
    if (family.startsWith("gemma3") || family.startsWith("llava")) { // §5: the stacked mapping renames k_proj first
      assertThat(r1.get().engineMessage())
          .startsWith("KeyError: 'vision_model.encoder.layers.0.self_attn.qkv_proj.k_scale'");
    }
  }
}
