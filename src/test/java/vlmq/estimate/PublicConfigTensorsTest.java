package vlmq.estimate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vlmq.io.safetensors.TensorSpec;

/**
 * Full-size public configs (and two tiny MoE ones) against transformers.json, which tools/estimate_reference.py
 * wrote from transformers 5.18's state dict of the same config (built on the meta device): same parameters, and the
 * same tensor count and SHA-256 of the sorted "name [shape]" lines outside the MoE experts (transformers fuses them
 * into 3-D tensors, vlmq lists them per expert). transformers skips Qwen3.5's mtp.* head, so it is left out here.
 */
class PublicConfigTensorsTest {
  @ParameterizedTest
  @ValueSource(strings = {"Qwen2.5-VL-3B-Instruct", "Qwen2.5-VL-7B-Instruct", "Qwen2.5-VL-72B-Instruct",
      "Qwen3-VL-8B-Instruct", "Qwen3.5-9B", "Qwen3.5-MoE-tiny", "Qwen3-VL-MoE-tiny"})
  void tensorListEqualsTransformers(String name) throws IOException, NoSuchAlgorithmException {
    var expected = new ObjectMapper().readTree(PublicConfigs.dir(name).resolve("transformers.json").toFile());
    var tensors = ModelTensors.of(PublicConfigs.config(name)).tensors().stream()
        .filter(t -> !t.name().startsWith("mtp.")).toList();
    var lines = tensors.stream().filter(t -> !t.name().contains(".experts."))
        .map(t -> t.name() + " " + Arrays.toString(t.shape()) + "\n").sorted().toList();
    var sha = MessageDigest.getInstance("SHA-256").digest(String.join("", lines).getBytes(StandardCharsets.UTF_8));

    assertThat(lines).hasSize(expected.get("tensors").asInt());
    assertThat(tensors.stream().mapToLong(TensorSpec::elementCount).sum())
        .isEqualTo(expected.get("parameters").asLong());
    assertThat(HexFormat.of().formatHex(sha)).isEqualTo(expected.get("sha256").asText());
  }
}
