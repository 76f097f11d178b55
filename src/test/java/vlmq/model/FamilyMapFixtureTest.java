package vlmq.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The classifier against transformers 5.18's own view of every fixture (tools/make_fixtures.py): each tensor's
 * component and kind, the parameter count per component, the nn.Linear modules and their runtime names.
 */
class FamilyMapFixtureTest {
  static List<Fixture> fixtures() {
    return Fixture.all();
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void detectsFamilyAndLayout(Fixture fixture) {
    var map = fixture.map();
    assertThat(map.family()).map(Family::id).contains(fixture.expected().get("family").asText());
    var layout = switch (fixture.expected().get("layout").asText()) {
      case "native" -> KeyLayout.Kind.NATIVE;
      case "hub" -> KeyLayout.Kind.HUB;
      default -> throw new AssertionError("unknown layout in " + fixture);
    };
    assertThat(map.layout().kind()).isEqualTo(layout);
    assertThat(map.warnings()).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void everyTensorHasTransformersComponentAndKind(Fixture fixture) {
    var map = fixture.map();
    assertThat(actual(map)).containsExactlyInAnyOrderEntriesOf(expected(fixture));
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void parameterCountsPerComponentMatchTransformers(Fixture fixture) {
    var map = fixture.map();
    var counts = fixture.expected().get("component_parameters");
    for (var component : Component.values()) {
      assertThat(map.parameters(component)).as(component.id()).isEqualTo(counts.get(component.id()).asLong());
    }
    assertThat(map.parameters().values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(fixture.expected().get("total_parameters").asLong());
    assertThat(map.lmHeadTied()).isEqualTo(fixture.expected().get("tied_lm_head").asBoolean());
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void linearModulesAreTransformersNnLinear(Fixture fixture) {
    var stored = new ArrayList<String>();
    fixture.expected().get("linear_modules").properties().forEach(e -> stored.add(e.getValue().asText()));
    assertThat(fixture.map().linearModules()).containsExactlyInAnyOrderElementsOf(stored);
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void namesGiveTransformersRuntimeSpelling(Fixture fixture) {
    var map = fixture.map();
    fixture.expected().get("linear_modules").properties().forEach(e -> {
      var runtime = e.getKey();
      var stored = e.getValue().asText();
      assertThat(map.names(stored).transformers()).isEqualTo(runtime);
      assertThat(map.names(runtime).all()).contains(stored);
    });
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void unknownArchitectureFallsBackToNamePatternsWithAWarning(Fixture fixture) {
    var root = (ObjectNode) fixture.config().root().deepCopy();
    root.putArray("architectures").add("FooVLForConditionalGeneration");
    root.put("model_type", "foo_vl");
    var map = FamilyMap.of(new ModelConfig(root), fixture.shapes());

    assertThat(map.family()).isEmpty();
    assertThat(map.layout().kind()).isEqualTo(KeyLayout.Kind.UNRECOGNIZED);
    assertThat(map.warnings()).singleElement().asString()
        .contains("unknown architecture 'FooVLForConditionalGeneration'", "guessed");
    assertThat(actual(map)).containsExactlyInAnyOrderEntriesOf(expected(fixture));
  }

  private static Map<String, String> actual(FamilyMap map) {
    var out = new LinkedHashMap<String, String>();
    for (var role : map.roles()) out.put(role.name(), role.component().id() + "/" + role.kind().id());
    return out;
  }

  private static Map<String, String> expected(Fixture fixture) {
    var out = new LinkedHashMap<String, String>();
    fixture.expected().get("tensors").properties().forEach(e -> {
      JsonNode t = e.getValue();
      out.put(e.getKey(), t.get("component").asText() + "/" + t.get("kind").asText());
    });
    return out;
  }
}
