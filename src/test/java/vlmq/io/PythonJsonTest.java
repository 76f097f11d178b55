package vlmq.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PythonJsonTest {
  private static final Path DIR = Path.of("src/test/resources/io/python_json");

  /** expected.json was written by Python's json.dumps(indent=2, sort_keys=True) from input.json. */
  @Test
  void matchesPythonJsonDumpsByteForByte() throws IOException {
    var node = new ObjectMapper().readTree(DIR.resolve("input.json").toFile());
    assertThat(PythonJson.dumps(node)).isEqualTo(Files.readString(DIR.resolve("expected.json")));
  }

  @Test
  void floatReprFollowsPython() {
    assertThat(PythonJson.floatRepr(1e-6)).isEqualTo("1e-06");
    assertThat(PythonJson.floatRepr(1e16)).isEqualTo("1e+16");
    assertThat(PythonJson.floatRepr(0.0078125)).isEqualTo("0.0078125");
    assertThat(PythonJson.floatRepr(100000.0)).isEqualTo("100000.0");
    assertThat(PythonJson.floatRepr(-0.0)).isEqualTo("-0.0");
  }
}
