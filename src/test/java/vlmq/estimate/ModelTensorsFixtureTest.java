package vlmq.estimate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vlmq.model.Component;
import vlmq.model.FamilyMap;
import vlmq.model.ModelConfig;

/**
 * The tensor list built from config.json alone against transformers 5.18's own state dict of every family fixture
 * (tools/make_fixtures.py wrote expected.json from the saved model): same names (in the runtime layout), same
 * shapes, and so the same parameters per component.
 */
class ModelTensorsFixtureTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Stream<Path> fixtures() throws IOException, URISyntaxException {
    var root = Path.of(ModelTensorsFixtureTest.class.getResource("/fixtures").toURI());
    return Files.list(root).filter(Files::isDirectory).sorted();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void tensorListEqualsTransformersStateDict(Path fixture) throws IOException {
    var config = ModelConfig.read(fixture.resolve("config.json"));
    var expected = JSON.readTree(fixture.resolve("expected.json").toFile());
    var stored = storedShapes(expected);
    var map = FamilyMap.of(config, stored);
    var expectedRuntime = new TreeMap<String, String>();
    stored.forEach((name, shape) -> expectedRuntime.put(map.names(name).transformers(), Arrays.toString(shape)));

    var built = ModelTensors.of(config);
    var actual = new TreeMap<String, String>();
    built.tensors().forEach(t -> actual.put(t.name(), Arrays.toString(t.shape())));

    assertThat(actual).containsExactlyEntriesOf(expectedRuntime);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void componentParametersEqualTransformersCounts(Path fixture) throws IOException {
    var config = ModelConfig.read(fixture.resolve("config.json"));
    var expected = JSON.readTree(fixture.resolve("expected.json").toFile()).get("component_parameters");
    var counts = FamilyMap.of(config, ModelTensors.of(config).shapes()).parameters();
    for (var component : Component.values()) {
      assertThat(counts.get(component)).as(component.id()).isEqualTo(expected.get(component.id()).asLong());
    }
  }

  private static Map<String, long[]> storedShapes(JsonNode expected) {
    var out = new LinkedHashMap<String, long[]>();
    expected.get("tensors").properties().forEach(e -> out.put(e.getKey(),
        StreamSupport.stream(e.getValue().get("shape").spliterator(), false).mapToLong(JsonNode::asLong).toArray()));
    return out;
  }
}
