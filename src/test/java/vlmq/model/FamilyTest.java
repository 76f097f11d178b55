package vlmq.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FamilyTest {
  @Test
  void architectureWinsOverModelType() {
    var config = ModelConfig.parse(
        "{\"architectures\":[\"Qwen3_5MoeForConditionalGeneration\"],\"model_type\":\"llava\"}", "c");

    assertThat(Family.detect(config)).contains(Family.QWEN3_5);
  }

  @Test
  void modelTypeAloneIsEnough() {
    assertThat(Family.detect(ModelConfig.parse("{\"model_type\":\"smolvlm\"}", "c"))).contains(Family.IDEFICS3);
  }

  @Test
  void unknownArchitectureAndModelTypeGiveNoFamily() {
    var config = ModelConfig.parse("{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\"}", "c");

    assertThat(Family.detect(config)).isEmpty();
  }
}
