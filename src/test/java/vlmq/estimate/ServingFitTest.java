package vlmq.estimate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import vlmq.numeric.DType;

class ServingFitTest {
  private static final long GIB = ByteSize.GIB;

  @Test
  void kvCacheGetsWhatIsLeftOfTheBudget() {
    var cache = KvCache.of(ModelTensors.of(PublicConfigs.config("Qwen2.5-VL-7B-Instruct")).text(), "auto",
        DType.BF16, 1);
    var fit = ServingFit.of(80 * GIB, 0.9, 1, 16_584_333_312L, 2 * GIB, cache, 32768, 1024, true);
    long kv = (long) (0.9 * 80 * GIB) - 16_584_333_312L - 2 * GIB - ServingFit.NON_TORCH_TP1 - ServingFit.CUDA_GRAPHS;
    assertThat(fit.kvBytes()).isEqualTo(kv);
    assertThat(fit.sequenceBytes()).isEqualTo(32768L * 57_344);
    assertThat(fit.maxSequences()).isEqualTo(kv / (32768L * 57_344));
    assertThat(fit.fits()).isTrue();
    long each = fit.contextAtMaxNumSeqs();
    assertThat(1024 * cache.bytesPerSequence(each)).isLessThanOrEqualTo(kv);
    assertThat(1024 * cache.bytesPerSequence(each + 16)).isGreaterThan(kv);
  }

  @Test
  void oneSequenceOfMaxModelLenMustFitOrVllmRefuses() {
    var cache = KvCache.of(ModelTensors.of(PublicConfigs.config("Qwen2.5-VL-7B-Instruct")).text(), "auto",
        DType.BF16, 1);
    var fit = ServingFit.of(24 * GIB, 0.9, 1, 16_584_333_312L, 2 * GIB, cache, 128_000, 256, false);
    assertThat(fit.fits()).isFalse();
    assertThat(fit.contextAtMaxNumSeqs()).isNull();
    assertThat(cache.bytesPerSequence(fit.longestSingleContext())).isLessThanOrEqualTo(fit.kvBytes());
    assertThat(cache.bytesPerSequence(fit.longestSingleContext() + 16)).isGreaterThan(fit.kvBytes());
  }

  @Test
  void weightsAreSplitAcrossTensorParallelGpus() {
    var cache = KvCache.of(ModelTensors.of(PublicConfigs.config("Qwen2.5-VL-72B-Instruct")).text(), "auto",
        DType.BF16, 4);
    var fit = ServingFit.of(80 * GIB, 0.9, 4, 146_812_702_720L, 2 * GIB, cache, 32768, 1024, false);
    assertThat(fit.weightBytes()).isEqualTo(146_812_702_720L / 4);
    assertThat(fit.nonTorchBytes()).isEqualTo(ServingFit.NON_TORCH_TPN);
    assertThat(fit.fits()).isTrue();
  }

  @Test
  void nothingLeftMeansNoSequence() {
    var cache = KvCache.of(ModelTensors.of(PublicConfigs.config("Qwen2.5-VL-72B-Instruct")).text(), "auto",
        DType.BF16, 1);
    var fit = ServingFit.of(80 * GIB, 0.9, 1, 146_812_702_720L, 2 * GIB, cache, 32768, 1024, true);
    assertThat(fit.kvBytes()).isNegative();
    assertThat(fit.maxSequences()).isZero();
    assertThat(fit.contextAtMaxNumSeqs()).isZero();
    assertThat(fit.fits()).isFalse();
  }
}
