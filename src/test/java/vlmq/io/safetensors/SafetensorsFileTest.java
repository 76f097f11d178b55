package vlmq.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vlmq.VlmqException;
import vlmq.numeric.DType;

class SafetensorsFileTest {
  @TempDir Path tmp;

  @Test
  void readsEveryDtypeFromAFileWrittenByPythonSafetensors() {
    var expected = Fixtures.expected("single");
    try (var file = SafetensorsFile.open(Fixtures.root().resolve("single/model.safetensors"))) {
      assertThat(file.metadata()).isEqualTo(Map.of("format", "pt"));
      assertThat(file.dataOffset() % 8).isZero();
      assertThat(file.tensors()).hasSize(expected.get("order").size())
          .isSortedAccordingTo(Comparator.comparingLong(TensorInfo::begin));
      for (TensorSpec spec : Fixtures.specs(expected)) {
        TensorInfo t = file.find(spec.name()).orElseThrow();
        assertThat(t.dtype()).isEqualTo(spec.dtype());
        assertThat(t.shape()).isEqualTo(spec.shape());
        assertThat(t.byteSize()).isEqualTo(spec.byteSize());
        assertThat(file.data(t).toArray(ValueLayout.JAVA_BYTE)).as(spec.name())
            .isEqualTo(Fixtures.bytes(expected, spec.name()));
      }
      assertThat(file.find("f4").orElseThrow().elementCount()).isEqualTo(12);
      assertThat(file.find("scalar").orElseThrow().shape()).isEmpty();
      assertThat(file.find("missing")).isEmpty();
    }
  }

  @Test
  void positionedReadsGiveTheMappedBytes() {
    var expected = Fixtures.expected("single");
    try (var file = SafetensorsFile.open(Fixtures.root().resolve("single/model.safetensors"))) {
      for (TensorSpec spec : Fixtures.specs(expected)) {
        TensorInfo t = file.find(spec.name()).orElseThrow();
        byte[] want = Fixtures.bytes(expected, spec.name());
        for (long from = 0; from <= t.byteSize(); from += Math.max(1, t.byteSize() / 3)) {
          MemorySegment part = MemorySegment.ofArray(new byte[(int) (t.byteSize() - from)]);
          file.read(t, from, part);
          assertThat(part.toArray(ValueLayout.JAVA_BYTE)).as(spec.name() + " from " + from)
              .isEqualTo(java.util.Arrays.copyOfRange(want, (int) from, want.length));
        }
      }
      TensorInfo f4 = file.find("f4").orElseThrow();
      assertThatThrownBy(() -> file.read(f4, 1, MemorySegment.ofArray(new byte[(int) f4.byteSize()])))
          .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("f4: reading");
    }
  }

  @Test
  void readsLittleEndianValues() {
    var header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).array();
    try (var file = SafetensorsFile.open(RawSafetensors.write(tmp.resolve("x.safetensors"), header, data))) {
      MemorySegment x = file.data(file.find("x").orElseThrow());
      assertThat(x.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4)).isEqualTo(-2f);
      assertThat(x.isReadOnly()).isTrue();
      assertThat(file.dataOffset()).isEqualTo(8 + header.length());
    }
  }

  @Test
  void acceptsWhatTheFormatAllows() {
    // null metadata, unknown entry fields (skipped, as the Rust crate does), empty tensors, entries in any order
    var header = "{\"__metadata__\":null,\"b\":{\"data_offsets\":[2,6],\"shape\":[1,2],\"dtype\":\"F16\","
        + "\"extra\":{\"deep\":[1,[2]]}},\"e\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[0,0]},"
        + "\"a\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]}}    ";
    try (var file = SafetensorsFile.open(RawSafetensors.write(tmp.resolve("ok.safetensors"), header,
        RawSafetensors.counting(6)))) {
      assertThat(file.metadata()).isEmpty();
      assertThat(file.tensors()).extracting(TensorInfo::name).containsExactly("e", "a", "b");
      assertThat(file.data(file.find("b").orElseThrow()).toArray(ValueLayout.JAVA_BYTE))
          .containsExactly(RawSafetensors.counting(6)[2], RawSafetensors.counting(6)[3],
              RawSafetensors.counting(6)[4], RawSafetensors.counting(6)[5]);
    }
    try (var empty = SafetensorsFile.open(RawSafetensors.write(tmp.resolve("empty.safetensors"), "{}      ",
        new byte[0]))) {
      assertThat(empty.tensors()).isEmpty();
    }
  }

  @Test
  void namesFileTensorAndRemedyInTheMessage() {
    var header = "{\"model.layers.0.mlp.up_proj.weight\":{\"dtype\":\"BF16\",\"shape\":[4,8],\"data_offsets\":[0,96]}}";
    Path file = RawSafetensors.write(tmp.resolve("model-00002-of-00004.safetensors"), header, new byte[96]);
    assertThatThrownBy(() -> SafetensorsFile.open(file)).isInstanceOf(CheckpointFormatException.class)
        .isInstanceOf(VlmqException.class)
        .hasMessage("model-00002-of-00004.safetensors: tensor 'model.layers.0.mlp.up_proj.weight': data_offsets"
            + " [0, 96] hold 96 bytes but shape [4, 8] of BF16 needs 64 bytes — the file is corrupt or was written"
            + " by a buggy tool; re-download or re-export it.");
  }

  static Stream<Arguments> malformedHeaders() {
    String a = "\"a\":{\"dtype\":\"BF16\",\"shape\":[4,8],\"data_offsets\":[0,64]}";
    return Stream.of(
        Arguments.of("{\"a\":{\"dtype\":\"Q4_K\",\"shape\":[4,8],\"data_offsets\":[0,64]}}", 64, "unknown dtype 'Q4_K'"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[-4,8],\"data_offsets\":[0,64]}}", 64,
            "shape holds '-4', not a non-negative 64-bit integer"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[4.0,8],\"data_offsets\":[0,64]}}", 64,
            "shape holds '4.0', not a non-negative"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[\"4\",8],\"data_offsets\":[0,64]}}", 64, "shape holds '4'"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[4,8],\"data_offsets\":[-0,64]}}", 64,
            "data_offsets holds '-0'"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[99999999999999999999],\"data_offsets\":[0,64]}}", 64,
            "not a non-negative 64-bit integer"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":32,\"data_offsets\":[0,64]}}", 64, "shape is not a JSON array"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[" + "1,".repeat(64) + "1],\"data_offsets\":[0,2]}}", 2,
            "more than 64 dimensions"),
        Arguments.of("{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2,
            "holds an odd number (3) of 4-bit F4 values"),
        Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,64]}}", 64,
            "overflows a 64-bit element count"),
        Arguments.of("{\"a\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904],\"data_offsets\":[0,64]}}", 64,
            "overflows a 64-bit byte count"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[4,8],\"data_offsets\":[0]}}", 64,
            "data_offsets [0] is not a [begin, end] pair"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[4,8],\"data_offsets\":[0,64,64]}}", 64, "more than 2 values"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[4,8],\"data_offsets\":{\"0\":64}}}", 64,
            "data_offsets is not a JSON array"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[4,8],\"data_offsets\":[64,0]}}", 64, "end before they begin"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[4,8],\"data_offsets\":[8,72]}}", 72,
            "data_offsets [8, 72] leave a gap of 8 bytes: the data section starts at 0"),
        Arguments.of("{" + a + ",\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[68,72]}}", 72,
            "tensor 'b': data_offsets [68, 72] leave a gap of 4 bytes: the previous tensor 'a' ends at 64"),
        Arguments.of("{" + a + ",\"b\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[60,68]}}", 68,
            "tensor 'b': data_offsets [60, 68] overlap: the previous tensor 'a' ends at 64"),
        Arguments.of("{" + a + "}", 32, "the tensors need 64 bytes of data but only 32 follow the header"),
        Arguments.of("{" + a + "}", 72, "8 bytes follow the last tensor"),
        Arguments.of("{" + a + "," + a + "}", 64, "tensor 'a': appears twice in the header"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"dtype\":\"BF16\",\"shape\":[4,8],\"data_offsets\":[0,64]}}", 64,
            "its header entry holds 'dtype' twice"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[4,8]}}", 64, "its header entry lacks data_offsets"),
        Arguments.of("{\"a\":[1,2]}", 0, "its header entry is not a JSON object"),
        Arguments.of("{\"a\":{\"dtype\":16,\"shape\":[4,8],\"data_offsets\":[0,64]}}", 64, "dtype is not a string"),
        Arguments.of("{\"__metadata__\":{},\"__metadata__\":{}," + a + "}", 64, "holds '__metadata__' twice"),
        Arguments.of("{\"__metadata__\":{\"k\":1}," + a + "}", 64, "'__metadata__' entry 'k' is not a string"),
        Arguments.of("{\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"}," + a + "}", 64, "'__metadata__' holds 'k' twice"),
        Arguments.of("{\"__metadata__\":[]," + a + "}", 64, "'__metadata__' is not a JSON object of strings"),
        Arguments.of(" {" + a + "}", 64, "the header does not start with '{'"),
        Arguments.of("[{" + a + "}]", 64, "the header does not start with '{'"),
        Arguments.of("", 64, "the header does not start with '{'"),
        Arguments.of("{" + a + "} {}", 64, "the header has content after its closing '}'"),
        Arguments.of("{" + a + "}\0", 64, "not valid JSON"),
        Arguments.of("{\"a\":}", 0, "the header is not valid JSON"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[4,8],\"data_offsets\":[0,64]}", 64,
            "the header is not valid JSON: Unexpected end-of-input"),
        Arguments.of("{\"a\":{\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}}", 0, "nesting depth"),
        Arguments.of("{'a':{}}", 0, "the header is not valid JSON"),
        Arguments.of("{\"a\":{\"dtype\":\"BF16\",\"shape\":[04,8],\"data_offsets\":[0,64]}}", 64, "not valid JSON"));
  }

  @ParameterizedTest
  @MethodSource("malformedHeaders")
  void refusesMalformedHeadersWithOneClearError(String header, int dataBytes, String expected) {
    Path file = RawSafetensors.write(tmp.resolve("bad.safetensors"), header, new byte[dataBytes]);
    assertThatThrownBy(() -> SafetensorsFile.open(file)).isExactlyInstanceOf(CheckpointFormatException.class)
        .hasMessageStartingWith("bad.safetensors: ").hasMessageContaining(expected)
        .hasMessageEndingWith("re-download or re-export it.").message().doesNotContain("\n");
  }

  @Test
  void refusesInvalidUtf8AndQuotesHostileNamesOnOneLine() {
    byte[] badUtf8 = RawSafetensors.bytes("{\"aX\":{}}", new byte[0]);
    badUtf8[11] = (byte) 0xC3; // 'X' becomes a lead byte followed by '"' instead of a continuation byte
    Path file = RawSafetensors.write(tmp.resolve("utf8.safetensors"), badUtf8);
    assertThatThrownBy(() -> SafetensorsFile.open(file)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("not valid UTF-8");

    String name = "evil\nname" + "x".repeat(1000);
    Path hostile = RawSafetensors.write(tmp.resolve("name.safetensors"),
        "{\"" + name.replace("\n", "\\n") + "\":{\"dtype\":\"Q\",\"shape\":[],\"data_offsets\":[0,0]}}", new byte[0]);
    assertThatThrownBy(() -> SafetensorsFile.open(hostile)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("tensor 'evil\\u000aname").hasMessageContaining("…(1009 chars)")
        .message().doesNotContain("\n").hasSizeLessThan(500);
  }

  static Stream<Arguments> badLengths() {
    return Stream.of(
        Arguments.of(new byte[] {1, 0, 0}, "the file is 3 bytes long, too short"),
        Arguments.of(lengthThen(100_000_001L, 16), "the header length 100000001 exceeds the 100000000-byte limit"),
        Arguments.of(lengthThen(-1L, 16), "the header length 18446744073709551615 exceeds"),
        Arguments.of(lengthThen(Long.MIN_VALUE, 16), "the header length 9223372036854775808 exceeds"),
        Arguments.of(lengthThen(99_999_999L, 100), "the header length 99999999 runs past the end of the file (108 bytes"),
        Arguments.of(lengthThen(9, 8), "runs past the end"));
  }

  @ParameterizedTest
  @MethodSource("badLengths")
  void refusesHeaderLengthsOverTheCapOrPastTheEnd(byte[] bytes, String expected) {
    Path file = RawSafetensors.write(tmp.resolve("len.safetensors"), bytes);
    assertThatThrownBy(() -> SafetensorsFile.open(file)).isExactlyInstanceOf(CheckpointFormatException.class)
        .hasMessageStartingWith("len.safetensors: ").hasMessageContaining(expected);
  }

  @Test
  void checksTheDeclaredHeaderLengthBeforeAllocatingIt() {
    Path file = RawSafetensors.write(tmp.resolve("alloc.safetensors"), lengthThen(99_999_999L, 4096));
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    refuse(file); // loads the classes involved
    long before = threads.getCurrentThreadAllocatedBytes();
    refuse(file);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(allocated).as("bytes allocated refusing a 100 MB header length").isLessThan(1 << 20);
  }

  private static void refuse(Path file) {
    try {
      SafetensorsFile.open(file).close();
      throw new AssertionError("accepted " + file);
    } catch (CheckpointFormatException expected) {
      assertThat(expected).hasMessageContaining("runs past the end");
    }
  }

  @Test
  void opensWithoutMappingAndMapsOnFirstDataAccess() throws Exception {
    var header = "{\"x\":{\"dtype\":\"U8\",\"shape\":[64],\"data_offsets\":[0,64]}}";
    Path path = RawSafetensors.write(tmp.resolve("lazy.safetensors"), header, RawSafetensors.counting(64));
    try (var file = SafetensorsFile.open(path)) {
      // Cut the data away after open: only the first data access notices, so open did not map it.
      Files.write(path, RawSafetensors.bytes(header, new byte[8]));
      assertThatThrownBy(() -> file.data(file.tensors().getFirst())).isInstanceOf(CheckpointFormatException.class)
          .hasMessageContaining("changed size on disk since it was opened");
    }
  }

  @Test
  void dataIsReadableFromOtherThreadsAndGoneAfterClose() throws Exception {
    var header = "{\"x\":{\"dtype\":\"U8\",\"shape\":[16],\"data_offsets\":[0,16]}}";
    var file = SafetensorsFile.open(RawSafetensors.write(tmp.resolve("t.safetensors"), header,
        RawSafetensors.counting(16)));
    TensorInfo x = file.tensors().getFirst();
    byte[] read = CompletableFuture.supplyAsync(() -> file.data(x).toArray(ValueLayout.JAVA_BYTE)).get();
    assertThat(read).isEqualTo(RawSafetensors.counting(16));
    MemorySegment segment = file.data(x);
    file.close();
    assertThat(segment.scope().isAlive()).isFalse();
    assertThatThrownBy(() -> file.data(x)).isInstanceOf(IllegalStateException.class);
    var foreign = new TensorInfo("x", DType.U8, new long[] {8}, 0, 8);
    try (var again = SafetensorsFile.open(file.path())) {
      assertThatThrownBy(() -> again.data(foreign)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void missingFileIsAUserError() {
    assertThatThrownBy(() -> SafetensorsFile.open(tmp.resolve("nope.safetensors")))
        .isInstanceOf(VlmqException.class).hasMessageContaining("nope.safetensors does not exist");
    assertThatThrownBy(() -> SafetensorsFile.open(tmp)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("is not a regular file");
  }

  private static byte[] lengthThen(long length, int bytesAfter) {
    return ByteBuffer.allocate(8 + bytesAfter).order(ByteOrder.LITTLE_ENDIAN).putLong(length).array();
  }
}
