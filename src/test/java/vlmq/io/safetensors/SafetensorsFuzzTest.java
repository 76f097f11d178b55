package vlmq.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import vlmq.numeric.DType;

/**
 * Mutates valid safetensors files and shard indexes (random bytes, truncation, hostile lengths and offsets,
 * deep JSON, JSON structure edits) and checks that the reader either accepts a file and then reads every
 * tensor, or refuses it with one {@link CheckpointFormatException}, never another exception, without
 * allocating anywhere near what a hostile length declares.
 */
class SafetensorsFuzzTest {
  private static final long SEED = 20240607;
  private static final int CASES = 4000;
  /** -Dvlmq.fuzz.dump=DIR keeps the header/file cases (see {@link #dump}). */
  private static final String DUMP = System.getProperty("vlmq.fuzz.dump");
  private static final int INDEX_CASES = 600;
  private static final Pattern NUMBER = Pattern.compile("\\d+");
  private static final Pattern TOKEN = Pattern.compile("\"[^\"]*\"|\\d+|[{}\\[\\],:]");
  private static final String[] HOSTILE_NUMBERS = {"-1", "0", "1", "3.5", "1e3", "-0", "9223372036854775807",
      "9223372036854775808", "18446744073709551616", "4294967296", "2147483648", "99999999999999999999999"};

  @TempDir Path tmp;

  private final Random random = new Random(SEED);
  private final com.sun.management.ThreadMXBean threads =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** What the cases came to, for the one line the closing note quotes. */
  private static final class Tally {
    int tried;
    int rejected;
    int accepted;
    long maxAllocated;
    final List<String> unexpected = new ArrayList<>();

    String summary(String what) {
      return String.format("%s fuzz (seed %d): %d cases, %d cleanly rejected, %d accepted and fully read,"
          + " %d unexpected exceptions, max %d KiB allocated per case", what, SEED, tried, rejected, accepted,
          unexpected.size(), maxAllocated >> 10);
    }
  }

  @Test
  @Timeout(120)
  void headersAndFilesOnlyEverFailCleanly() throws IOException {
    List<byte[]> seeds = seedFiles();
    var tally = new Tally();
    for (int i = 0; i < CASES; i++) {
      byte[] base = seeds.get(random.nextInt(seeds.size()));
      var mutation = mutateFile(base);
      // A new file each case: rewriting one in place makes ext4 flush it on close (auto_da_alloc), 2 ms a case.
      Path file = Files.write(tmp.resolve("case" + i + ".safetensors"), mutation.bytes());
      int acceptedBefore = tally.accepted;
      run(tally, i, mutation.description(), () -> {
        try (var f = SafetensorsFile.open(file)) {
          for (TensorInfo t : f.tensors()) readAll(f.data(t), t.byteSize());
        }
      });
      if (DUMP != null) dump(file, i, tally.accepted > acceptedBefore, mutation.description());
      Files.delete(file);
    }
    System.out.println(tally.summary("safetensors header/file"));
    assertThat(tally.unexpected).isEmpty();
    assertThat(tally.rejected).isGreaterThan(CASES / 2);
    assertThat(tally.accepted).isGreaterThan(CASES / 20);
    assertThat(tally.maxAllocated).isLessThan(16L << 20);
  }

  @Test
  @Timeout(60)
  void shardIndexesOnlyEverFailCleanly() throws IOException {
    Path source = Fixtures.root().resolve("sharded");
    Path dir = Files.createDirectories(tmp.resolve("ckpt"));
    try (Stream<Path> files = Files.list(source)) {
      for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
    }
    RawSafetensors.write(tmp.resolve("outside.safetensors"), "{}      ", new byte[0]);
    String index = Files.readString(source.resolve(ShardIndex.FILE_NAME));
    var tally = new Tally();
    for (int i = 0; i < INDEX_CASES; i++) {
      var mutation = mutateIndex(index);
      Files.deleteIfExists(dir.resolve(ShardIndex.FILE_NAME)); // see the other test: no rewrite in place
      Files.write(dir.resolve(ShardIndex.FILE_NAME), mutation.bytes());
      run(tally, i, mutation.description(), () -> {
        try (var ckpt = Checkpoint.open(dir)) {
          for (var t : ckpt.tensors()) readAll(t.data(), t.byteSize());
        }
      });
    }
    System.out.println(tally.summary("shard index"));
    assertThat(tally.unexpected).isEmpty();
    assertThat(tally.rejected).isGreaterThan(INDEX_CASES / 2);
    assertThat(tally.accepted).isPositive();
  }

  /** Keeps each case with our verdict, for tools/crosscheck_fuzz_cases.py to compare with Python's reader. */
  private static void dump(Path file, int i, boolean accepted, String description) throws IOException {
    Path dir = Files.createDirectories(Path.of(DUMP));
    Files.copy(file, dir.resolve(i + (accepted ? ".accepted" : ".rejected") + ".safetensors"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(dir.resolve(i + ".txt"), description);
  }

  private void run(Tally tally, int i, String description, Runnable open) {
    tally.tried++;
    long before = threads.getCurrentThreadAllocatedBytes();
    try {
      open.run();
      tally.accepted++;
    } catch (CheckpointFormatException e) {
      if (e.getMessage().contains("\n")) tally.unexpected.add("#" + i + " " + description + ": multi-line message");
      tally.rejected++;
    } catch (Throwable e) {
      tally.unexpected.add("#" + i + " " + description + ": " + e);
    }
    tally.maxAllocated = Math.max(tally.maxAllocated, threads.getCurrentThreadAllocatedBytes() - before);
  }

  private static void readAll(MemorySegment data, long expectedBytes) {
    assertThat(data.byteSize()).isEqualTo(expectedBytes);
    long sum = 0;
    for (long i = 0; i < data.byteSize(); i++) sum += data.get(ValueLayout.JAVA_BYTE, i);
    assertThat(sum).isNotEqualTo(Long.MIN_VALUE);
  }

  private record Mutation(byte[] bytes, String description) {}

  private List<byte[]> seedFiles() throws IOException {
    var seeds = new ArrayList<byte[]>();
    seeds.add(Files.readAllBytes(Fixtures.root().resolve("single/model.safetensors")));
    try (Stream<Path> shards = Files.list(Fixtures.root().resolve("sharded"))) {
      for (Path p : shards.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList()) {
        seeds.add(Files.readAllBytes(p));
      }
    }
    seeds.add(RawSafetensors.bytes("{\"__metadata__\":{\"format\":\"pt\"},\"s\":{\"dtype\":\"F4\",\"shape\":[2,2],"
        + "\"data_offsets\":[0,2]},\"z\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[2,2]}}", new byte[2]));
    return seeds;
  }

  private Mutation mutateFile(byte[] base) {
    int headerLength = (int) ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong();
    String header = new String(base, 8, headerLength, StandardCharsets.UTF_8);
    byte[] data = Arrays.copyOfRange(base, 8 + headerLength, base.length);
    return switch (random.nextInt(9)) {
      case 0 -> flipBytes(base, 0, base.length, "flip bytes anywhere");
      case 1 -> flipBytes(base, 8, 8 + headerLength, "flip header bytes");
      case 2 -> {
        int n = random.nextInt(base.length + 1);
        yield new Mutation(Arrays.copyOf(base, n), "truncate to " + n);
      }
      case 3 -> {
        byte[] longer = Arrays.copyOf(base, base.length + 1 + random.nextInt(64));
        for (int i = base.length; i < longer.length; i++) longer[i] = (byte) random.nextInt(256);
        yield new Mutation(longer, "append bytes");
      }
      case 4 -> hostileLength(base, headerLength);
      case 5 -> {
        String edited = editText(header);
        yield withHeader(edited, data, "JSON edit");
      }
      case 6 -> {
        String edited = replaceNumber(header);
        yield withHeader(edited, data, "hostile number");
      }
      case 7 -> {
        int depth = 1 + random.nextInt(random.nextBoolean() ? 200 : 100_000);
        String deep = "\"x\":" + "[".repeat(depth) + (random.nextBoolean() ? "]".repeat(depth) : "");
        int at = header.indexOf("\"dtype\"");
        String edited = at < 0 ? "{" + deep + "}" : header.substring(0, at) + deep + "," + header.substring(at);
        yield withHeader(edited, data, "nesting depth " + depth);
      }
      default -> withHeader(randomJsonHeader(), data, "random JSON");
    };
  }

  private Mutation flipBytes(byte[] base, int from, int to, String what) {
    byte[] b = base.clone();
    int n = 1 + random.nextInt(8);
    for (int i = 0; i < n && to > from; i++) b[from + random.nextInt(to - from)] = (byte) random.nextInt(256);
    return new Mutation(b, what);
  }

  private Mutation hostileLength(byte[] base, int headerLength) {
    long[] choices = {0, 1, 7, headerLength - 1L, headerLength + 1L, headerLength + 8L, base.length, base.length - 8L,
        SafetensorsFile.MAX_HEADER_BYTES, SafetensorsFile.MAX_HEADER_BYTES + 1, Long.MAX_VALUE, -1, random.nextLong()};
    long length = choices[random.nextInt(choices.length)];
    byte[] b = base.clone();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
    return new Mutation(b, "header length " + Long.toUnsignedString(length));
  }

  private Mutation withHeader(String header, byte[] data, String what) {
    int pad = random.nextInt(4) == 0 ? 0 : (8 - header.getBytes(StandardCharsets.UTF_8).length % 8) % 8;
    return new Mutation(RawSafetensors.bytes(header + " ".repeat(pad), data), what);
  }

  /** One structural edit: delete, insert, duplicate or swap tokens, or swap two tensors' offsets. */
  private String editText(String s) {
    var tokens = new ArrayList<int[]>();
    Matcher m = TOKEN.matcher(s);
    while (m.find()) tokens.add(new int[] {m.start(), m.end()});
    if (tokens.isEmpty()) return s + "}";
    int[] t = tokens.get(random.nextInt(tokens.size()));
    int[] u = tokens.get(random.nextInt(tokens.size()));
    String tok = s.substring(t[0], t[1]);
    return switch (random.nextInt(6)) {
      case 0 -> s.substring(0, t[0]) + s.substring(t[1]);
      case 1 -> s.substring(0, t[0]) + "{}[],:\"0a\\-. ".charAt(random.nextInt(13)) + s.substring(t[0]);
      case 2 -> s.substring(0, t[1]) + "," + tok + s.substring(t[1]);
      case 3 -> {
        if (t[0] == u[0]) yield s;
        int[] a = t[0] < u[0] ? t : u;
        int[] b = t[0] < u[0] ? u : t;
        if (a[1] > b[0]) yield s;
        yield s.substring(0, a[0]) + s.substring(b[0], b[1]) + s.substring(a[1], b[0]) + s.substring(a[0], a[1])
            + s.substring(b[1]);
      }
      case 4 -> s.replaceFirst("\"dtype\":\"[A-Z0-9_]+\"", "\"dtype\":\""
          + (random.nextBoolean() ? DType.values()[random.nextInt(DType.values().length)].name() : "F6_E2M3") + "\"");
      default -> swapOffsets(s);
    };
  }

  /** Exchanges the data_offsets of two tensors: accepted exactly when their sizes agree. */
  private String swapOffsets(String s) {
    Matcher m = Pattern.compile("\"data_offsets\":\\[\\d+,\\d+\\]").matcher(s);
    var found = new ArrayList<int[]>();
    while (m.find()) found.add(new int[] {m.start(), m.end()});
    if (found.size() < 2) return s;
    int i = random.nextInt(found.size() - 1);
    int[] a = found.get(i);
    int[] b = found.get(i + 1);
    return s.substring(0, a[0]) + s.substring(b[0], b[1]) + s.substring(a[1], b[0]) + s.substring(a[0], a[1])
        + s.substring(b[1]);
  }

  private String replaceNumber(String s) {
    var numbers = new ArrayList<int[]>();
    Matcher m = NUMBER.matcher(s);
    while (m.find()) numbers.add(new int[] {m.start(), m.end()});
    if (numbers.isEmpty()) return s;
    int[] n = numbers.get(random.nextInt(numbers.size()));
    String value = random.nextBoolean() ? HOSTILE_NUMBERS[random.nextInt(HOSTILE_NUMBERS.length)]
        : Long.toString(Long.parseLong(s.substring(n[0], n[1])) + random.nextInt(17) - 8);
    return s.substring(0, n[0]) + value + s.substring(n[1]);
  }

  private String randomJsonHeader() {
    return "{" + (random.nextBoolean() ? "\"t\":" + randomJson(0) : randomObjectBody(0)) + "}";
  }

  private String randomObjectBody(int depth) {
    var out = new StringBuilder();
    int n = random.nextInt(4);
    String[] keys = {"dtype", "shape", "data_offsets", "__metadata__", "t", "t", "x"};
    for (int i = 0; i < n; i++) {
      if (i > 0) out.append(',');
      out.append('"').append(keys[random.nextInt(keys.length)]).append("\":").append(randomJson(depth + 1));
    }
    return out.toString();
  }

  private String randomJson(int depth) {
    int kind = depth > 4 ? 2 + random.nextInt(4) : random.nextInt(6);
    Supplier<String> number = () -> HOSTILE_NUMBERS[random.nextInt(HOSTILE_NUMBERS.length)];
    return switch (kind) {
      case 0 -> "{" + randomObjectBody(depth) + "}";
      case 1 -> {
        var out = new StringBuilder("[");
        for (int i = 0, n = random.nextInt(4); i < n; i++) out.append(i > 0 ? "," : "").append(randomJson(depth + 1));
        yield out.append(']').toString();
      }
      case 2 -> number.get();
      case 3 -> "\"" + DType.values()[random.nextInt(DType.values().length)].name() + "\"";
      case 4 -> random.nextBoolean() ? "null" : "true";
      default -> "[" + number.get() + "," + number.get() + "]";
    };
  }

  private Mutation mutateIndex(String index) {
    return switch (random.nextInt(4)) {
      case 0 -> new Mutation(editText(index).getBytes(StandardCharsets.UTF_8), "index JSON edit");
      case 1 -> {
        String[] names = {"../outside.safetensors", "/etc/passwd", "", ".", "..", "model.safetensors.index.json",
            "nested/../model-00001-of-00003.safetensors", "model-00009-of-00003.safetensors", "C:\\\\x", "a\\u0000b",
            "model-00002-of-00003.safetensors"};
        String name = names[random.nextInt(names.length)];
        String edited = index.replaceFirst("model-0000\\d-of-00003\\.safetensors", Matcher.quoteReplacement(name));
        yield new Mutation(edited.getBytes(StandardCharsets.UTF_8), "index file name " + name);
      }
      case 2 -> {
        byte[] b = index.getBytes(StandardCharsets.UTF_8);
        yield flipBytes(b, 0, b.length, "index bytes");
      }
      default -> new Mutation(("{\"weight_map\":" + randomJson(0) + "}").getBytes(StandardCharsets.UTF_8),
          "random weight_map");
    };
  }
}
