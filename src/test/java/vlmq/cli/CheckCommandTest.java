package vlmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.check.CheckFixtures;

class CheckCommandTest {
  @TempDir Path tmp;

  private static CliRun run(String... args) {
    return CliRun.command("check", args);
  }

  @Test
  void cleanCheckpointExitsZeroWithAVerdict() {
    var dir = CheckFixtures.modelOptSafe(tmp);
    var r = run(dir.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("target        vLLM main on H100 (sm 9.0), TP 1")
        .endsWith("verdict: will load in vLLM main on H100 (sm 9.0), TP 1: yes — loads cleanly in all vLLM versions"
            + " examined (0.10.0 – main)\n");
  }

  @Test
  void errorsExitOne() {
    var r = run(CheckFixtures.classicB(tmp).toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.out()).contains("ERROR (2)", "[R1]", "KeyError: 'blocks.0.attn.k_proj.k_scale'",
        "vlmq repair " + tmp.resolve("qwen25vl-fp8-B") + " -o " + tmp.resolve("qwen25vl-fp8-B") + "-repaired");
  }

  @Test
  void jsonCarriesRuleSeverityModulesMessageVersionsAndFix() throws Exception {
    var r = run(CheckFixtures.classicB(tmp).toString(), "--json");
    assertThat(r.exitCode()).isEqualTo(1);
    var json = new ObjectMapper().readTree(r.out());
    var first = json.get("findings").get(0);
    assertThat(first.get("rule").asText()).isEqualTo("R1");
    assertThat(first.get("severity").asText()).isEqualTo("error");
    assertThat(first.get("modules").get(0).asText()).isEqualTo("visual.blocks.{0,1}.attn.k_proj.k_scale");
    assertThat(first.get("engineMessage").asText()).startsWith("KeyError: 'blocks.0.attn.k_proj.k_scale'");
    assertThat(first.get("versions").asText()).isEqualTo("all vLLM versions examined (0.10.0 – main)");
    assertThat(first.get("fix").asText()).startsWith("vlmq repair ");
    assertThat(json.get("loads").asBoolean()).isFalse();
    assertThat(json.get("counts").get("error").asInt()).isEqualTo(2);
  }

  @Test
  void targetOptionsChangeThePrediction() {
    var dir = CheckFixtures.classicA(tmp);
    var old = run(dir.toString(), "--engine-version", "0.10.2");
    assertThat(old.exitCode()).isZero();
    assertThat(old.out()).contains("SILENT (1)", "[R3]", "target        vLLM 0.10.2 on H100 (sm 9.0), TP 1");
    var a100 = run(dir.toString(), "--engine-version", "0.11.1", "--gpu", "A100", "--tp", "2");
    assertThat(a100.exitCode()).isEqualTo(1);
    assertThat(a100.out()).contains("Minimum capability: 89. Current capability: 80.", "TP 2");
    var cc = run(dir.toString(), "--compute-capability", "8.9", "--engine", "sglang");
    assertThat(cc.out()).contains("target        SGLang on a GPU with compute capability 8.9, TP 1");
  }

  @Test
  void unreadableInputExitsTwoWithOneLine() throws Exception {
    var missing = run(tmp.resolve("nope").toString());
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err().strip()).startsWith("vlmq: ").contains("nope").hasLineCount(1);
    Files.writeString(tmp.resolve("config.json"), "{\"architectures\": [\"Qwen2_5_VLForConditionalGeneration\"]}");
    var noWeights = run(tmp.toString());
    assertThat(noWeights.exitCode()).isEqualTo(2);
    assertThat(noWeights.err()).contains("safetensors");
    for (var args : List.of(List.of("--engine", "tgi"), List.of("--gpu", "Voodoo2"), List.of("--engine-version", "x"),
        List.of("--engine-version", "0.9.2"))) {
      var bad = run(CheckFixtures.classicA(tmp.resolve("a-" + args.get(1))).toString(), args.get(0), args.get(1));
      assertThat(bad.exitCode()).as(args.toString()).isEqualTo(2);
      assertThat(bad.err()).startsWith("vlmq: ");
    }
  }

  @Test
  void gpuAndComputeCapabilityAreExclusive() {
    var r = run(CheckFixtures.classicA(tmp).toString(), "--gpu", "H100", "--compute-capability", "9.0");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("mutually exclusive");
  }
}
