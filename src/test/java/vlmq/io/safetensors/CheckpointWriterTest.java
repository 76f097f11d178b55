package vlmq.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.VlmqException;
import vlmq.numeric.DType;

class CheckpointWriterTest {
  private static final Map<String, String> PT = Map.of("format", "pt");

  @TempDir Path tmp;

  @Test
  void writesTheSameBytesAsPythonSafetensorsForOneFile() throws IOException {
    Path source = Fixtures.root().resolve("single");
    Path out = rewrite(source, "single", CheckpointWriter.DEFAULT_MAX_SHARD_BYTES);
    assertThat(fileNames(out)).containsExactly("model.safetensors");
    assertThat(Files.readAllBytes(out.resolve("model.safetensors")))
        .isEqualTo(Files.readAllBytes(source.resolve("model.safetensors")));
  }

  @Test
  void shardsAndIndexesByteForByteAsHuggingfaceHubAndTransformers() throws IOException {
    Path source = Fixtures.root().resolve("sharded");
    Path out = rewrite(source, "sharded", Fixtures.expected("sharded").get("max_shard_size").asLong());
    assertThat(fileNames(out)).isEqualTo(fileNames(source));
    for (String name : fileNames(source)) {
      assertThat(Files.readAllBytes(out.resolve(name))).as(name).isEqualTo(Files.readAllBytes(source.resolve(name)));
    }
  }

  /** Reads a Python fixture and writes its tensors again, declared in the state-dict order Python used. */
  private Path rewrite(Path source, String fixture, long maxShardBytes) {
    Path out = tmp.resolve("out");
    try (var ckpt = Checkpoint.open(source);
        var w = CheckpointWriter.create(out, List.of(source), Fixtures.specs(Fixtures.expected(fixture)), PT,
            maxShardBytes)) {
      for (var t : ckpt.tensors()) w.segment(t.name()).copyFrom(t.data());
      w.commit();
    }
    return out;
  }

  @Test
  void roundTripsEveryDtypeWithAlignedData() {
    var random = new Random(7);
    var specs = new ArrayList<TensorSpec>();
    for (DType dtype : DType.values()) {
      for (int i = 0; i < 3; i++) {
        long[] shape = i == 0 ? new long[0] : IntStream.range(0, i + random.nextInt(3))
            .mapToLong(d -> 1 + random.nextInt(6)).toArray();
        if (dtype.bits() == 4 && (shape.length == 0 || shape[shape.length - 1] % 2 == 1)) shape = append(shape, 2);
        specs.add(new TensorSpec(dtype + "." + i, dtype, shape));
      }
    }
    specs.add(new TensorSpec("empty", DType.BF16, new long[] {0, 4}));
    var data = new HashMap<String, byte[]>();
    Path out = tmp.resolve("out");
    try (var w = CheckpointWriter.create(out, List.of(), specs, Map.of("format", "pt", "note", "ünïcode\n"), 1000)) {
      for (TensorSpec s : specs) {
        byte[] bytes = new byte[(int) s.byteSize()];
        random.nextBytes(bytes);
        if (s.dtype() == DType.BOOL) for (int i = 0; i < bytes.length; i++) bytes[i] &= 1;
        data.put(s.name(), bytes);
        w.segment(s.name()).copyFrom(MemorySegment.ofArray(bytes));
      }
      w.commit();
    }
    try (var ckpt = Checkpoint.open(out)) {
      assertThat(ckpt.files()).hasSizeGreaterThan(1);
      assertThat(ckpt.metadata()).isEqualTo(Map.of("format", "pt", "note", "ünïcode\n"));
      assertThat(ckpt.tensors()).hasSize(specs.size());
      for (TensorSpec s : specs) {
        var t = ckpt.find(s.name()).orElseThrow();
        assertThat(t.dtype()).isEqualTo(s.dtype());
        assertThat(t.shape()).isEqualTo(s.shape());
        assertThat(t.data().toArray(ValueLayout.JAVA_BYTE)).as(s.name()).isEqualTo(data.get(s.name()));
        long elementBytes = Math.max(1, s.dtype().bits() / 8);
        assertThat((t.file().dataOffset() + t.info().begin()) % elementBytes).as("alignment of " + s.name()).isZero();
      }
    }
  }

  @Test
  void splitsIntoShardsAsSplitTorchStateDictIntoShardsAndWritesTheIndex() throws IOException {
    // max 100 bytes: a(40) b(40) | BIG(400: own shard, listed when met) | c(40) d(40), as huggingface_hub does
    var specs = List.of(spec("a", 10), spec("b", 10), spec("c", 10), spec("big", 100), spec("d", 10));
    Path out = tmp.resolve("out");
    try (var w = CheckpointWriter.create(out, List.of(), specs, PT, 100)) {
      assertThat(w.fileNames()).containsExactly("model-00001-of-00003.safetensors",
          "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors");
      for (TensorSpec s : specs) w.segment(s.name()).fill((byte) s.name().length());
      w.commit();
    }
    var index = new ObjectMapper().readTree(out.resolve("model.safetensors.index.json").toFile());
    assertThat(index.get("metadata").get("total_size").asLong()).isEqualTo(40 * 4 + 400);
    var weightMap = new HashMap<String, String>();
    index.get("weight_map").properties().forEach(e -> weightMap.put(e.getKey(), e.getValue().asText()));
    assertThat(weightMap).isEqualTo(Map.of("a", "model-00001-of-00003.safetensors",
        "b", "model-00001-of-00003.safetensors", "big", "model-00002-of-00003.safetensors",
        "c", "model-00003-of-00003.safetensors", "d", "model-00003-of-00003.safetensors"));
    try (var ckpt = Checkpoint.open(out)) {
      assertThat(ckpt.files()).hasSize(3);
      assertThat(ckpt.totalBytes()).isEqualTo(560);
      assertThat(ckpt.find("big").orElseThrow().data().get(ValueLayout.JAVA_BYTE, 399)).isEqualTo((byte) 3);
      assertThat(ckpt.find("d").orElseThrow().data().get(ValueLayout.JAVA_BYTE, 39)).isEqualTo((byte) 1);
    }
  }

  @Test
  void commitsAtomicallyAndLeavesNothingBehindOtherwise() throws IOException {
    Path out = tmp.resolve("models/out");
    var specs = List.of(spec("a", 4));
    try (var w = CheckpointWriter.create(out, List.of(), specs, PT, 1000)) {
      w.segment("a").fill((byte) 1);
      Files.writeString(w.stagingDir().resolve("config.json"), "{}");
      assertThat(w.stagingDir().getParent()).isEqualTo(out.getParent());
      assertThat(w.stagingDir().getFileName().toString()).startsWith(".out.vlmq-tmp-");
      assertThat(out).doesNotExist();
      assertThat(w.commit()).isEqualTo(out.toAbsolutePath());
    }
    assertThat(fileNames(out)).containsExactly("config.json", "model.safetensors");
    assertThat(fileNames(out.getParent())).containsExactly("out");

    Path abandoned = tmp.resolve("models/abandoned");
    try (var w = CheckpointWriter.create(abandoned, List.of(), specs, PT, 1000)) {
      w.segment("a").fill((byte) 1);
      assertThat(w.stagingDir()).isDirectory();
    }
    assertThat(fileNames(out.getParent())).containsExactly("out");

    // a commit that fails (someone filled the output folder meanwhile) removes the staging folder too
    Path raced = tmp.resolve("models/raced");
    try (var w = CheckpointWriter.create(raced, List.of(), specs, PT, 1000)) {
      w.segment("a").fill((byte) 1);
      Files.createDirectories(raced);
      Files.writeString(raced.resolve("theirs.txt"), "x");
      assertThatThrownBy(w::commit).isInstanceOf(VlmqException.class).hasMessageContaining("cannot write");
    }
    assertThat(fileNames(out.getParent())).containsExactly("out", "raced");
    assertThat(fileNames(raced)).containsExactly("theirs.txt");
  }

  @Test
  void refusesAnExistingOutputUnlessAskedToReplaceItAtCommit() throws IOException {
    Path out = Files.createDirectories(tmp.resolve("out"));
    Files.writeString(out.resolve("old.txt"), "old");
    var specs = List.of(spec("a", 4));
    assertThatThrownBy(() -> CheckpointWriter.create(out, List.of(), specs, PT, 1000))
        .isInstanceOf(VlmqException.class).hasMessageContaining("already exists");
    try (var w = CheckpointWriter.create(out, List.of(), specs, PT, 1000, CheckpointWriter.IfExists.REPLACE)) {
      w.segment("a").fill((byte) 1);
      assertThat(fileNames(out)).containsExactly("old.txt");
      w.commit();
    }
    assertThat(fileNames(out)).containsExactly("model.safetensors");
    assertThat(fileNames(tmp)).containsExactly("out");
  }

  @Test
  void refusesToWriteIntoAroundOrOverASource() throws IOException {
    Path src = Files.createDirectories(tmp.resolve("models/src"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), src);
    var specs = List.of(spec("a", 4));
    for (var c : List.of(
        Map.entry(src, "is the source folder"),
        Map.entry(src.resolve("quantized"), "lies inside the source folder"),
        Map.entry(src.resolve("../src/./"), "is the source folder"),
        Map.entry(link.resolve("q"), "lies inside the source folder"),
        Map.entry(tmp.resolve("models"), "contains the source folder"))) {
      assertThatThrownBy(() -> CheckpointWriter.create(c.getKey(), List.of(src), specs, PT, 1000,
          CheckpointWriter.IfExists.REPLACE)).as(c.getKey().toString()).isInstanceOf(VlmqException.class)
          .hasMessageContaining(c.getValue()).hasMessageContaining("write the result to a new folder");
    }
    Path file = RawSafetensors.write(src.resolve("model.safetensors"), "{}      ", new byte[0]);
    assertThatThrownBy(() -> CheckpointWriter.create(src, List.of(file), specs, PT, 1000))
        .isInstanceOf(VlmqException.class).hasMessageContaining("is the source folder");
    assertThat(fileNames(tmp.resolve("models"))).containsExactly("src");

    // a hub-cache snapshot links into blobs/: replacing the folder holding blobs/ would delete the source
    Path repo = tmp.resolve("hub/models--org--name");
    RawSafetensors.write(repo.resolve("blobs/0123abcd"), "{}      ", new byte[0]);
    Path snapshot = Files.createDirectories(repo.resolve("snapshots/rev1"));
    Files.createSymbolicLink(snapshot.resolve("model.safetensors"), Path.of("../../blobs/0123abcd"));
    assertThatThrownBy(() -> CheckpointWriter.create(repo.resolve("blobs"), List.of(snapshot), specs, PT, 1000,
        CheckpointWriter.IfExists.REPLACE)).isInstanceOf(VlmqException.class).hasMessageContaining("is the source folder");
  }

  @Test
  void workerThreadsFillDisjointSegmentsConcurrently() throws Exception {
    var specs = IntStream.range(0, 64).mapToObj(i -> new TensorSpec("t" + i, DType.F32, new long[] {i + 1, 33}))
        .toList();
    Path out = tmp.resolve("out");
    try (var w = CheckpointWriter.create(out, List.of(), specs, PT, 20_000);
        var pool = Executors.newFixedThreadPool(4)) {
      var done = specs.stream().map(s -> pool.submit(() -> {
        MemorySegment seg = w.segment(s.name());
        for (long i = 0; i < seg.byteSize() / 4; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, i + 0.5f);
      })).toList();
      for (var f : done) f.get();
      w.commit();
    }
    try (var ckpt = Checkpoint.open(out)) {
      assertThat(ckpt.files()).hasSizeGreaterThan(2);
      for (TensorSpec s : specs) {
        MemorySegment seg = ckpt.find(s.name()).orElseThrow().data();
        long n = seg.byteSize() / 4;
        assertThat(seg.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, n - 1)).isEqualTo(n - 1 + 0.5f);
      }
    }
  }

  @Test
  void refusesMisuse() throws IOException {
    var specs = List.of(spec("a", 4), spec("b", 4));
    assertThatThrownBy(() -> CheckpointWriter.create(tmp.resolve("x"), List.of(), List.of(spec("a", 1), spec("a", 2)),
        PT, 10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("declared twice");
    assertThatThrownBy(() -> CheckpointWriter.create(tmp.resolve("x"), List.of(), specs, PT, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TensorSpec("f4", DType.F4, new long[] {2, 3}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("F4 needs an even last dimension");
    assertThatThrownBy(() -> new TensorSpec("big", DType.U8, new long[] {1L << 32, 1L << 32}))
        .isInstanceOf(ArithmeticException.class);
    Path out = tmp.resolve("out");
    try (var w = CheckpointWriter.create(out, List.of(), specs, PT, 1000)) {
      assertThatThrownBy(() -> w.segment("nope")).isInstanceOf(IllegalArgumentException.class);
      w.segment("a");
      assertThatThrownBy(w::commit).isInstanceOf(IllegalStateException.class).hasMessageContaining("never written: [b]");
      w.segment("b");
      Files.writeString(w.stagingDir().resolve(ShardIndex.FILE_NAME), "{}");
      assertThatThrownBy(w::commit).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("weight files were copied into the staging folder: [model.safetensors.index.json]");
      Files.delete(w.stagingDir().resolve(ShardIndex.FILE_NAME));
      w.commit();
      assertThatThrownBy(() -> w.segment("a")).isInstanceOf(IllegalStateException.class);
    }
    assertThat(out.resolve("model.safetensors")).isRegularFile();
  }

  private static TensorSpec spec(String name, long floats) {
    return new TensorSpec(name, DType.F32, new long[] {floats});
  }

  private static long[] append(long[] shape, long d) {
    long[] s = java.util.Arrays.copyOf(shape, shape.length + 1);
    s[shape.length] = d;
    return s;
  }

  private static List<String> fileNames(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void writesRangesFromMappedHeapAndNativeMemoryConcurrently() throws Exception {
    var specs = List.of(new TensorSpec("a", DType.U8, new long[] {3_000_001}), new TensorSpec("b", DType.U8, new long[] {5}),
        new TensorSpec("c", DType.F32, new long[] {2}));
    var expected = new byte[3_000_001];
    new Random(7).nextBytes(expected);
    Path source = Files.write(Files.createDirectories(tmp.resolve("src")).resolve("source.bin"), expected);
    Path out = tmp.resolve("out");
    try (var channel = java.nio.channels.FileChannel.open(source);
        var arena = java.lang.foreign.Arena.ofShared();
        var w = CheckpointWriter.create(out, List.of(source.getParent()), specs, PT,
            CheckpointWriter.DEFAULT_MAX_SHARD_BYTES);
        var pool = Executors.newFixedThreadPool(4)) {
      MemorySegment mapped = channel.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, expected.length, arena);
      long piece = 700_001; // not a multiple of the 1 MiB staging buffer, nor of pages
      var futures = new ArrayList<java.util.concurrent.Future<?>>();
      for (long off = 0; off < expected.length; off += piece) {
        long o = off, n = Math.min(piece, expected.length - off);
        futures.add(pool.submit(() -> w.write("a", o, mapped.asSlice(o, n))));
      }
      for (var f : futures) f.get();
      w.write("b", 1, MemorySegment.ofArray(new byte[] {1, 2, 3, 4}));
      MemorySegment c = arena.allocate(8);
      c.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 4, 2.5f);
      w.write("c", 0, c);
      w.segment("b").set(ValueLayout.JAVA_BYTE, 0, (byte) 9); // a mapped segment and writes mix
      w.commit();
    }
    try (var ckpt = Checkpoint.open(out)) {
      assertThat(ckpt.find("a").orElseThrow().data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected);
      assertThat(ckpt.find("b").orElseThrow().data().toArray(ValueLayout.JAVA_BYTE)).containsExactly(9, 1, 2, 3, 4);
      assertThat(ckpt.find("c").orElseThrow().data().toArray(ValueLayout.JAVA_BYTE))
          .containsExactly(0, 0, 0, 0, 0, 0, 0x20, 0x40);
    }
  }

  @Test
  void refusesWritesOutsideTheTensor() {
    var specs = List.of(new TensorSpec("a", DType.U8, new long[] {4}));
    try (var w = CheckpointWriter.create(tmp.resolve("out"), List.of(tmp.resolve("src")), specs, PT, 100)) {
      assertThatThrownBy(() -> w.write("a", 2, MemorySegment.ofArray(new byte[3])))
          .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("a: writing 3 bytes at 2");
      assertThatThrownBy(() -> w.write("a", -1, MemorySegment.ofArray(new byte[1])))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> w.write("nope", 0, MemorySegment.ofArray(new byte[1])))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
