package vlmq.estimate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vlmq.VlmqException;
import vlmq.model.ModelConfig;
import vlmq.numeric.DType;

class KvCacheTest {
  private static TextModel text(String name) {
    return ModelTensors.of(PublicConfigs.config(name)).text();
  }

  @Test
  void qwen25Vl7bPerTokenByHand() {
    // 28 layers x 4 KV heads x 128 head_dim x 2 (K, V) x 2 bytes (bf16)
    var cache = KvCache.of(text("Qwen2.5-VL-7B-Instruct"), "auto", DType.BF16, 1);
    assertThat(cache.bytesPerToken()).isEqualTo(28L * 4 * 128 * 2 * 2).isEqualTo(57_344);
    assertThat(KvCache.of(text("Qwen2.5-VL-7B-Instruct"), "fp8", DType.BF16, 1).bytesPerToken()).isEqualTo(28_672);
    assertThat(cache.blockSize()).isEqualTo(16);
    assertThat(cache.stateBytesPerSequence()).isZero();
    // vLLM allocates whole 16-token blocks: 1000 tokens take 63 blocks.
    assertThat(cache.bytesPerSequence(1000)).isEqualTo(63L * 16 * 57_344);
  }

  @Test
  void qwen35CountsOnlyFullAttentionLayersAndKeepsADeltaNetStatePerSequence() {
    var text = text("Qwen3.5-9B");
    var cache = KvCache.of(text, "auto", DType.BF16, 1);
    assertThat(cache.fullLayers()).isEqualTo(8);
    assertThat(cache.linearLayers()).isEqualTo(24);
    // 8 full-attention layers x 4 KV heads x 256 head_dim x 2 (K, V) x 2 bytes; the 24 linear layers add nothing.
    assertThat(cache.bytesPerToken()).isEqualTo(8L * 4 * 256 * 2 * 2).isEqualTo(32_768);
    // vLLM gated_delta_net_state_shape: conv (K-1, 2*16*128 + 32*128) and recurrent (32, 128, 128), bf16.
    assertThat(cache.convStateBytes()).isEqualTo(3L * 8192 * 2);
    assertThat(cache.ssmStateBytes()).isEqualTo(32L * 128 * 128 * 2);
    // HybridAttentionMambaModelConfig: block = 16 * ceil(state / (16 * 4096 B per token)) = 272 tokens, and the
    // state is padded to that attention page.
    assertThat(cache.blockSize()).isEqualTo(16 * Math.ceilDiv(49_152 + 1_048_576, 16 * 4096));
    assertThat(cache.blockSize()).isEqualTo(272);
    assertThat(cache.stateBytesPerSequence()).isEqualTo(24L * 272 * 4096);
    assertThat(cache.bytesPerSequence(1)).isEqualTo(272L * 8 * 4096 + 24L * 272 * 4096);
  }

  @Test
  void tensorParallelSplitsHeadsAndReplicatesTooFewKvHeads() {
    var q35 = KvCache.of(text("Qwen3.5-9B"), "auto", DType.BF16, 2);
    assertThat(q35.kvHeadsPerGpu()).isEqualTo(2);
    assertThat(q35.convStateBytes()).isEqualTo(3L * 4096 * 2);
    assertThat(q35.ssmStateBytes()).isEqualTo(16L * 128 * 128 * 2);
    // Qwen2.5-VL-3B has 2 KV heads: with 4 GPUs each keeps one (vLLM replicates).
    assertThat(KvCache.of(text("Qwen2.5-VL-3B-Instruct"), "auto", DType.BF16, 4).kvHeadsPerGpu()).isEqualTo(1);
    assertThatThrownBy(() -> KvCache.of(text("Qwen3.5-9B"), "auto", DType.BF16, 3))
        .isInstanceOf(VlmqException.class).hasMessageContaining("--tp 3 does not divide");
  }

  @Test
  void slidingLayersStopAtTheirWindow() {
    var config = ModelConfig.read(PublicConfigs.resource("/fixtures/gemma3_native/config.json"));
    var cache = KvCache.of(ModelTensors.of(config).text(), "auto", DType.BF16, 1);
    long perLayer = 2 * 2 * 32 * 2;
    assertThat(cache.slidingLayers()).isEqualTo(1);
    assertThat(cache.slidingWindow()).isEqualTo(64);
    assertThat(cache.bytesPerSequence(1000)).isEqualTo(1008 * perLayer + 64 * perLayer);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 4096, 1 << 20, 123_456_789, 5_000_000_000L})
  void maxTokensIsTheLargestWholeBlockCountThatFits(long bytes) {
    for (var name : new String[] {"Qwen2.5-VL-7B-Instruct", "Qwen3.5-9B"}) {
      var cache = KvCache.of(text(name), "auto", DType.BF16, 1);
      long tokens = cache.maxTokens(bytes, 1_000_000);
      assertThat(tokens % cache.blockSize()).isZero();
      if (tokens > 0) assertThat(cache.bytesPerSequence(tokens)).isLessThanOrEqualTo(bytes);
      assertThat(cache.bytesPerSequence(tokens + cache.blockSize())).isGreaterThan(bytes);
    }
  }

  @Test
  void unknownKvCacheDtypeIsRefused() {
    assertThatThrownBy(() -> KvCache.elementBytes("int4", DType.BF16)).isInstanceOf(VlmqException.class)
        .hasMessage("--kv-cache-dtype 'int4' is not one vLLM accepts; use auto or fp8 (fp8_e4m3, fp8_e5m2)");
  }
}
