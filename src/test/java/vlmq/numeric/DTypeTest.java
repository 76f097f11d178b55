package vlmq.numeric;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DTypeTest {
  @Test
  void packedFp4NeedsEvenCounts() {
    assertThat(DType.F4.byteSize(32)).isEqualTo(16);
    assertThat(DType.F4.byteSize(3)).isEqualTo(-1);
    assertThat(DType.BF16.byteSize(3)).isEqualTo(6);
  }

  @Test
  void headerNamesAreExact() {
    assertThat(DType.fromHeader("F8_E4M3")).contains(DType.F8_E4M3);
    assertThat(DType.fromHeader("f32")).isEmpty();
    assertThat(DType.fromHeader("Q4_K")).isEmpty();
  }
}
