package vlmq.estimate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import vlmq.VlmqException;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.model.Component;
import vlmq.model.FamilyMap;
import vlmq.numeric.DType;
import vlmq.recipe.Preset;

class WeightsTest {
  /**
   * Published checkpoint sizes in bytes (provenance in src/test/resources/estimate/README.md):
   * <ul>
   *   <li>Qwen2.5-VL-3B-Instruct: 3,754,622,976 parameters in public manifests of the checkpoint, all BF16;</li>
   *   <li>Qwen2.5-VL-7B-Instruct: model.safetensors.index.json total_size 16,584,333,312;</li>
   *   <li>Qwen2.5-VL-72B-Instruct: the model card's 73.4B parameters in BF16, 146.8 GB;</li>
   *   <li>Qwen3-VL-8B-Instruct: the Hub API's safetensors total, 8,767,123,696 BF16 parameters;</li>
   *   <li>Qwen3.5-9B: model.safetensors.index.json total_size 19,306,216,416 (mtp head included).</li>
   * </ul>
   */
  @ParameterizedTest
  @CsvSource({
      "Qwen2.5-VL-3B-Instruct, 7509245952",
      "Qwen2.5-VL-7B-Instruct, 16584333312",
      "Qwen2.5-VL-72B-Instruct, 146800000000",
      "Qwen3-VL-8B-Instruct, 17534247392",
      "Qwen3.5-9B, 19306216416"})
  void bf16TotalsMatchPublishedCheckpoints(String name, long published) {
    var config = PublicConfigs.config(name);
    long bytes = Weights.of(config, ModelTensors.of(config), null).total().bytesBefore();
    assertThat((double) bytes).isCloseTo(published, within(0.005 * published));
  }

  @Test
  void qwen25Vl7bAndQwen35AreByteExact() {
    assertThat(total("Qwen2.5-VL-7B-Instruct")).isEqualTo(16_584_333_312L);
    assertThat(total("Qwen3.5-9B")).isEqualTo(19_306_216_416L);
  }

  /**
   * FP8_DYNAMIC on Qwen2.5-VL-7B: each of the 196 language Linears becomes an F8_E4M3 weight (1 byte per element)
   * plus a BF16 per-channel scale (2 bytes per output row); everything else keeps its bytes. Per layer, the
   * q/k/v/o/gate/up/down weights hold 233,046,016 elements and 49,664 output rows.
   */
  @Test
  void fp8DynamicLanguageBytesByHand() {
    var config = PublicConfigs.config("Qwen2.5-VL-7B-Instruct");
    var w = Weights.of(config, ModelTensors.of(config), "FP8_DYNAMIC");
    var language = w.component(Component.LANGUAGE);
    long elements = 28L * (2 * 3584 * 3584 + 2 * 512 * 3584 + 3 * 18944 * 3584);
    long rows = 28L * (3584 + 512 + 512 + 3584 + 18944 + 18944 + 3584);
    assertThat(language.quantizedModules()).isEqualTo(196);
    assertThat(language.quantizedParameters()).isEqualTo(elements);
    assertThat(language.bytesAfter()).isEqualTo(language.bytesBefore() - 2 * elements + elements + 2 * rows);
    for (var kept : new Component[] {Component.VISION, Component.PROJECTOR, Component.LM_HEAD, Component.EMBEDDINGS}) {
      assertThat(w.component(kept).bytesAfter()).as(kept.id()).isEqualTo(w.component(kept).bytesBefore());
    }
  }

  /** The after-scheme bytes are the LinearLayout bytes of every quantized weight plus every other tensor as is. */
  @ParameterizedTest
  @CsvSource({"Qwen3.5-9B, FP8_DYNAMIC", "Qwen3-VL-8B-Instruct, W4A16", "Qwen2.5-VL-3B-Instruct, NVFP4A16"})
  void afterBytesEqualLinearLayouts(String name, String preset) {
    var config = PublicConfigs.config(name);
    var model = ModelTensors.of(config);
    var map = FamilyMap.of(config, model.shapes());
    var scheme = Preset.byName(preset);
    long expected = 0;
    for (var t : model.tensors()) {
      var role = map.role(t.name());
      boolean quantized = role.component() == Component.LANGUAGE && t.name().endsWith(".weight")
          && t.shape().length == 2 && !role.module().contains(".linear_attn.");
      expected += quantized
          ? LinearLayout.of(role.module(), scheme.format(), scheme.weights(), DType.BF16, t.shape()[0], t.shape()[1])
              .tensors().stream().mapToLong(l -> l.byteSize()).sum()
          : t.byteSize();
    }
    assertThat(Weights.of(config, model, preset).total().bytesAfter()).isEqualTo(expected);
  }

  /**
   * The claim "Qwen3.5-9B: about 18 GB in bf16, about 9.5 GB with FP8 dynamic (vision, lm_head and linear_attn kept
   * native)": the first holds in GiB (17.98 GiB); FP8_DYNAMIC quantizes 5,301,600,256 of 9,653,104,368 parameters
   * (the 32 MLPs and the 8 gated full-attention blocks), which leaves 14.0 GB (13.5 GB without the mtp head).
   */
  @Test
  void qwen35ClaimCheck() {
    var config = PublicConfigs.config("Qwen3.5-9B");
    var w = Weights.of(config, ModelTensors.of(config), "FP8_DYNAMIC");
    long mlp = 32L * 3 * 4096 * 12288;
    long attention = 8L * (2 * 16 * 256 + 2 * 4 * 256 + 16 * 256) * 4096;
    long rows = 32L * (12288 + 12288 + 4096) + 8L * (8192 + 1024 + 1024 + 4096);
    assertThat(w.total().quantizedModules()).isEqualTo(32 * 3 + 8 * 4);
    assertThat(w.total().quantizedParameters()).isEqualTo(mlp + attention);
    assertThat(w.total().bytesAfter()).isEqualTo(19_306_216_416L - (mlp + attention) + 2 * rows);
    assertThat(w.served().bytesAfter()).isEqualTo(w.total().bytesAfter() - w.component(Component.OTHER).bytesAfter());
    assertThat(w.total().bytesBefore() / (double) (1L << 30)).isCloseTo(17.98, within(0.01));
  }

  /**
   * Tiny Qwen3.5-MoE (2 layers, 4 experts, a shared expert): each layer's 4 x 3 expert and 3 shared-expert Linears
   * are quantized, plus layer 1's q/k/v/o; routers (mlp.gate, shared_expert_gate), linear_attn and mtp stay native.
   */
  @Test
  void moeExpertsAreQuantizedRoutersKept() {
    var config = PublicConfigs.config("Qwen3.5-MoE-tiny");
    var w = Weights.of(config, ModelTensors.of(config), "FP8_DYNAMIC");
    assertThat(w.component(Component.LANGUAGE).quantizedModules()).isEqualTo(2 * (4 * 3 + 3) + 4);
    assertThat(w.component(Component.OTHER).quantizedModules()).isZero();
  }

  @Test
  void calibrationSchemesAndUnknownPresetsAreRefused() {
    var config = PublicConfigs.config("Qwen2.5-VL-7B-Instruct");
    var model = ModelTensors.of(config);
    assertThatThrownBy(() -> Weights.of(config, model, "FP8")).isInstanceOf(VlmqException.class)
        .hasMessageContaining("calibration");
    assertThatThrownBy(() -> Weights.of(config, model, "FP9")).isInstanceOf(VlmqException.class)
        .hasMessageContaining("Unknown quantization preset 'FP9'");
  }

  private static long total(String name) {
    var config = PublicConfigs.config(name);
    return Weights.of(config, ModelTensors.of(config), null).total().bytesBefore();
  }
}
