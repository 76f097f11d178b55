package vlmq.quant;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import vlmq.format.compressedtensors.LayoutTensor;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.TensorRole;
import vlmq.io.safetensors.SafetensorsFile;
import vlmq.io.safetensors.TensorInfo;
import vlmq.recipe.CompressionFormat;
import vlmq.recipe.QuantizationArgs;
import vlmq.recipe.RecipeJson;

/**
 * Byte identity with compressed-tensors: every case of the manifests written by {@code tools/ct_reference.py}
 * (seeded random tensors with the hard cases, and every Linear of the family fixtures) is quantized here and each
 * output tensor's SHA-256 compared with the one PyTorch produced. Row ranges are quantized in a seeded random
 * order and split, into outputs pre-filled with junk, so the streaming contract is checked at the same time.
 */
class ReferenceVectorsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final List<String> FAMILIES = List.of("gemma3", "idefics3", "internvl", "llava", "mistral3", "mllama",
      "qwen2_5_vl", "qwen2_vl", "qwen3_5", "qwen3_vl");

  @TestFactory
  Stream<DynamicTest> outputsAreByteIdenticalToCompressedTensors() {
    Stream<String> manifests = Stream.concat(Stream.of("random-expected.json"),
        FAMILIES.stream().map(f -> "fixtures/" + f + "-expected.json"));
    return manifests.map(m -> DynamicTest.dynamicTest(m, () -> checkManifest(m)));
  }

  private static void checkManifest(String manifestName) throws Exception {
    JsonNode manifest = read("/quant/" + manifestName);
    Path input = resource(manifest.get("input").asText().startsWith("fixtures/")
        ? "/" + manifest.get("input").asText() : "/quant/" + manifest.get("input").asText());
    List<String> mismatches = new ArrayList<>();
    Map<String, int[]> perScheme = new TreeMap<>();
    SplittableRandom random = new SplittableRandom(manifestName.hashCode());
    try (SafetensorsFile file = SafetensorsFile.open(input); Arena arena = Arena.ofConfined()) {
      for (JsonNode c : manifest.get("cases")) {
        String scheme = c.get("scheme").asText();
        JsonNode def = manifest.get("schemes").get(scheme);
        String tensor = c.get("tensor").asText();
        int[] tally = perScheme.computeIfAbsent(scheme, k -> new int[2]);
        List<String> diffs = runCase(file, arena, tensor, def, c, random);
        diffs.forEach(d -> mismatches.add(tensor + " " + scheme + ": " + d));
        tally[0] += c.get("outputs").size() - diffs.size();
        tally[1] += c.get("outputs").size();
      }
    }
    StringBuilder table = new StringBuilder(manifestName);
    perScheme.forEach((s, t) -> table.append(' ').append(s).append('=').append(t[0]).append('/').append(t[1]));
    System.out.println("[byte identity] " + table);
    assertThat(mismatches).as(manifestName).isEmpty();
  }

  /** Quantizes one case; returns the differing outputs. */
  private static List<String> runCase(SafetensorsFile file, Arena arena, String tensor, JsonNode def, JsonNode c,
      SplittableRandom random) throws NoSuchAlgorithmException {
    TensorInfo info = file.find(tensor).orElseThrow();
    QuantizationArgs args = RecipeJson.args(def.get("weights"), "schemes." + c.get("scheme").asText());
    CompressionFormat format = CompressionFormat.parse(def.get("format").asText(), "format");
    long rows = info.shape()[0], cols = info.shape()[1];
    LinearLayout layout = LinearLayout.of(tensor.replaceAll("\\.weight$", ""), format, args, info.dtype(), rows, cols);
    WeightQuantizer q = WeightQuantizer.of(layout);

    TensorStats stats = TensorStats.NONE;
    if (q.needsTensorStats()) {
      List<TensorStats> members = new ArrayList<>();
      JsonNode fused = c.get("fused_with");
      for (JsonNode m : fused == null ? List.of(c.get("tensor")) : fused) {
        TensorInfo mi = file.find(m.asText()).orElseThrow();
        members.add(TensorStats.measure(file.data(mi), mi.dtype(), mi.shape()[0], mi.shape()[1]));
      }
      stats = TensorStats.union(members.toArray(TensorStats[]::new));
    }

    Map<TensorRole, MemorySegment> out = new EnumMap<>(TensorRole.class);
    for (LayoutTensor t : layout.tensors()) out.put(t.role(), arena.allocate(t.byteSize()).fill((byte) 0xA5));
    List<long[]> ranges = ranges(rows, q.rowAlignment(), random);
    for (long[] r : ranges) q.quantizeRows(file.data(info), stats, r[0], r[1], out);

    List<String> diffs = new ArrayList<>();
    JsonNode expected = c.get("outputs");
    for (LayoutTensor t : layout.tensors()) {
      String suffix = t.role().suffix();
      JsonNode e = expected.get(suffix);
      if (e == null) {
        diffs.add(suffix + " is not written by compressed-tensors");
        continue;
      }
      List<Long> shape = new ArrayList<>();
      e.get("shape").forEach(d -> shape.add(d.asLong()));
      String actual = t.dtype() + " " + java.util.Arrays.toString(t.shape()) + " " + sha256(out.get(t.role()));
      String wanted = e.get("dtype").asText() + " " + shape + " " + e.get("sha256").asText();
      if (!actual.equals(wanted)) diffs.add(suffix + " is " + actual + ", expected " + wanted);
    }
    expected.fieldNames().forEachRemaining(n -> {
      if (layout.tensors().stream().noneMatch(t -> t.role().suffix().equals(n))) diffs.add(n + " is missing");
    });
    return diffs;
  }

  /** Covers [0, rows) with ranges on multiples of {@code align}, returned in a shuffled order. */
  private static List<long[]> ranges(long rows, int align, SplittableRandom random) {
    List<long[]> ranges = new ArrayList<>();
    for (long r0 = 0; r0 < rows; ) {
      long r1 = Math.min(rows, r0 + (long) align * (1 + random.nextInt(3)));
      ranges.add(new long[] {r0, r1});
      r0 = r1;
    }
    java.util.Collections.shuffle(ranges, new java.util.Random(random.nextLong()));
    return ranges;
  }

  static String sha256(MemorySegment seg) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(seg.toArray(ValueLayout.JAVA_BYTE)));
  }

  private static JsonNode read(String resource) throws IOException {
    try (InputStream in = ReferenceVectorsTest.class.getResourceAsStream(resource)) {
      if (in == null) throw new IOException("missing test resource " + resource);
      return MAPPER.readTree(in);
    }
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(ReferenceVectorsTest.class.getResource(name).toURI());
  }
}
