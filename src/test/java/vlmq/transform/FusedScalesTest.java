package vlmq.transform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Offline requantization to the max scale against tools/requantize_reference.py (torch casts, vLLM's CUDA order). */
class FusedScalesTest {
  @Test
  void requantizesEveryCodeAsVllmDoesOnCuda() throws IOException {
    var root = new ObjectMapper().readTree(Path.of("src/test/resources/transform/requantize_max_scale.json").toFile());
    int codes = 0;
    for (var c : root.path("cases")) {
      var in = HexFormat.of().parseHex(c.path("codes").asText());
      var expected = HexFormat.of().parseHex(c.path("expected").asText());
      var out = new byte[in.length];
      FusedScales.requantize(MemorySegment.ofArray(in), MemorySegment.ofArray(out), in.length,
          (float) c.path("scale").asDouble(), (float) c.path("max_scale").asDouble());
      assertThat(HexFormat.of().formatHex(out)).as("scale %s → %s", c.path("scale"), c.path("max_scale"))
          .isEqualTo(HexFormat.of().formatHex(expected));
      codes += in.length;
    }
    assertThat(codes).isEqualTo(6 * 254 + 6 * 512);
  }
}
