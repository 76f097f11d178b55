package vlmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.io.safetensors.Checkpoint;

class SyntheticCheckpointTest {
  /** The synthetic checkpoint has exactly the tensors transformers saved for the same config, filled with noise. */
  @Test
  void matchesTransformersTensorTreeForTheConfig(@TempDir Path tmp) throws IOException {
    Path fixture = Path.of("src/test/resources/fixtures/qwen2_5_vl");
    JsonNode expected = new ObjectMapper().readTree(fixture.resolve("expected.json").toFile()).path("tensors");
    Path out = SyntheticCheckpoint.write(fixture.resolve("config.json"), tmp.resolve("synth"), 7, 2);
    try (Checkpoint c = Checkpoint.open(out)) {
      assertThat(c.tensors()).hasSize(expected.size());
      for (var t : c.tensors()) {
        JsonNode e = expected.path(t.name());
        assertThat(e.isMissingNode()).as(t.name()).isFalse();
        long[] shape = new long[e.path("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = e.path("shape").get(i).asLong();
        assertThat(t.shape()).as(t.name()).isEqualTo(shape);
        short[] values = t.data().toArray(ValueLayout.JAVA_SHORT);
        assertThat(Arrays.stream(toInts(values)).distinct().count()).as(t.name() + " is noise").isGreaterThan(Math.min(values.length - 1, 3));
      }
    }
  }

  private static int[] toInts(short[] s) {
    int[] out = new int[s.length];
    for (int i = 0; i < s.length; i++) out[i] = s[i];
    return out;
  }
}
