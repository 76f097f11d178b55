package vlmq.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import vlmq.VlmqException;

class ShardSizeTest {
  /** Expected values are huggingface_hub's parse_size_to_int (decimal units) and 2^n for the binary ones. */
  @ParameterizedTest
  @CsvSource({"5GB, 5000000000", "500MB, 500000000", "20KB, 20000", "2TB, 2000000000000", "5gb, 5000000000",
      "1.5GB, 1500000000", "' 10 MB ', 10000000", "2GiB, 2147483648", "512MiB, 536870912", "1kib, 1024",
      "1TiB, 1099511627776", "1000000, 1000000", "64B, 64", "0.5KB, 500", ".5MB, 500000", "1.0000000001KB, 1000"})
  void parsesSizesAsHuggingfaceDoes(String text, long bytes) {
    assertThat(ShardSize.parse(text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "GB", "5XB", "-1GB", "0", "0.0001B", "5 G B", "1e9", "9999999999TB", "five"})
  void refusesAnythingElse(String text) {
    assertThatThrownBy(() -> ShardSize.parse(text)).isInstanceOf(VlmqException.class).hasMessageContaining("shard size");
  }
}
