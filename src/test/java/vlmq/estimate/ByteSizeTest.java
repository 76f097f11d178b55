package vlmq.estimate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vlmq.VlmqException;

class ByteSizeTest {
  @Test
  void binaryAndDecimalUnits() {
    assertThat(ByteSize.parse("24GiB", "--gpu-memory")).isEqualTo(24L << 30);
    assertThat(ByteSize.parse("24G", "--gpu-memory")).isEqualTo(24L << 30);
    assertThat(ByteSize.parse("80 GB", "--gpu-memory")).isEqualTo(80_000_000_000L);
    assertThat(ByteSize.parse("1.5TiB", "--gpu-memory")).isEqualTo(3L << 39);
    assertThat(ByteSize.parse("512mib", "--gpu-memory")).isEqualTo(512L << 20);
    assertThat(ByteSize.parse("4096", "--gpu-memory")).isEqualTo(4096);
  }

  @ParameterizedTest
  @ValueSource(strings = {"24XB", "", "GiB", "-1GiB", "24 GiB 2", "0", "1e3GB"})
  void badSizesAreOneLineErrors(String text) {
    assertThatThrownBy(() -> ByteSize.parse(text, "--gpu-memory")).isInstanceOf(VlmqException.class)
        .hasMessage("--gpu-memory '" + text + "' is not a size: write a number with a unit such as 24GiB, 80GB or "
            + "512MiB");
  }

  @Test
  void formats() {
    assertThat(ByteSize.gib(16_584_333_312L)).isEqualTo("15.45 GiB");
    assertThat(ByteSize.human(57_344)).isEqualTo("56.0 KiB");
    assertThat(ByteSize.human(512)).isEqualTo("512 B");
  }
}
