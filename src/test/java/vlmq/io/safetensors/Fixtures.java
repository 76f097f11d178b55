package vlmq.io.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.StreamSupport;
import vlmq.numeric.DType;

/** The files tools/make_safetensors_fixtures.py wrote with Python's safetensors, and what torch says they hold. */
final class Fixtures {
  private Fixtures() {}

  static Path root() {
    try {
      return Path.of(Fixtures.class.getResource("/io/safetensors/expected.json").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code single} or {@code sharded}. */
  static JsonNode expected(String fixture) {
    try {
      return new ObjectMapper().readTree(root().resolve("expected.json").toFile()).get(fixture);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The tensors in state-dict order, as Python declared them. */
  static List<TensorSpec> specs(JsonNode fixture) {
    var specs = new ArrayList<TensorSpec>();
    for (JsonNode name : fixture.get("order")) {
      JsonNode t = fixture.get("tensors").get(name.asText());
      long[] shape = StreamSupport.stream(t.get("shape").spliterator(), false).mapToLong(JsonNode::asLong).toArray();
      specs.add(new TensorSpec(name.asText(), DType.fromHeader(t.get("dtype").asText()).orElseThrow(), shape));
    }
    return specs;
  }

  static byte[] bytes(JsonNode fixture, String tensor) {
    return HexFormat.of().parseHex(fixture.get("tensors").get(tensor).get("hex").asText());
  }
}
