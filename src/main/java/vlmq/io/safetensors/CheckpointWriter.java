package vlmq.io.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import vlmq.VlmqException;

/**
 * Writes a safetensors checkpoint (sharded like transformers, with its index) in bounded memory: the caller
 * declares every tensor up front, the writer lays out and pre-sizes each shard file, and worker threads fill
 * each tensor concurrently, either streaming byte ranges with {@link #write} (positioned writes, flushed to disk in
 * the background while the job runs) or through a mapped {@link #segment} (for small or scattered writes).
 * Everything goes to a hidden staging folder beside the output; {@link #commit} flushes and renames it into place,
 * and closing without commit deletes it, so a half-written checkpoint is never visible under the output name.
 *
 * <pre>{@code
 * try (var w = CheckpointWriter.create(outDir, List.of(sourceDir), specs, Map.of("format", "pt"), maxShardBytes)) {
 *   w.write("a.weight", 0, src);           // from any thread; ranges of one tensor may go to different threads
 *   w.segment("b.weight").fill((byte) 0);  // or fill it mapped
 *   Files.copy(config, w.stagingDir().resolve("config.json"));
 *   w.commit();
 * }
 * }</pre>
 */
public final class CheckpointWriter implements AutoCloseable {
  /** Per-thread buffer that mapped and heap bytes are written through; small enough to stay in cache. */
  private static final long STAGING_BYTES = 1L << 20;
  private static final ThreadLocal<MemorySegment> STAGING =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(STAGING_BYTES, 4096));

  /** huggingface_hub's default {@code max_shard_size} of "5GB". */
  public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

  /** What to do when the output folder already exists. */
  public enum IfExists {
    REFUSE,
    /** Replace it, at commit time only: until then the old folder stays as it was. */
    REPLACE
  }

  private final Path outDir;
  private final Path staging;
  private final IfExists ifExists;
  private final ShardPlan plan;
  private final Arena arena = Arena.ofShared();
  private final List<FileChannel> channels = new ArrayList<>();
  private final List<ShardHeader> headers = new ArrayList<>();
  private final List<Path> files = new ArrayList<>();
  /** Shard files mapped for {@link #segment}, by shard number; mapped on first use. */
  private final Map<Integer, MemorySegment> mappings = new ConcurrentHashMap<>();
  private final Map<String, Location> locations = new HashMap<>();
  private final Set<String> handedOut = ConcurrentHashMap.newKeySet();
  private final WriteBehind writeBehind = new WriteBehind(channels, files);
  private boolean committed;
  private volatile boolean closed;

  private CheckpointWriter(Path outDir, Path staging, IfExists ifExists, ShardPlan plan) {
    this.outDir = outDir;
    this.staging = staging;
    this.ifExists = ifExists;
    this.plan = plan;
  }

  /** Same as {@link #create(Path, List, List, Map, long, IfExists)} with {@link IfExists#REFUSE}. */
  public static CheckpointWriter create(Path outDir, List<Path> sources, List<TensorSpec> specs,
      Map<String, String> metadata, long maxShardBytes) {
    return create(outDir, sources, specs, metadata, maxShardBytes, IfExists.REFUSE);
  }

  /**
   * Lays out {@code specs} (in this order, as a state dict) into shards of at most {@code maxShardBytes} of
   * tensor data, each file's {@code __metadata__} being {@code metadata}; creates and maps the files in a
   * staging folder. {@code sources} are the folders (or files) being read: the output may not be one of
   * them, lie inside one, or contain one.
   */
  public static CheckpointWriter create(Path outDir, List<Path> sources, List<TensorSpec> specs,
      Map<String, String> metadata, long maxShardBytes, IfExists ifExists) {
    if (maxShardBytes <= 0) throw new IllegalArgumentException("maxShardBytes must be positive: " + maxShardBytes);
    var names = new HashSet<String>();
    for (TensorSpec s : specs) {
      if (!names.add(s.name())) throw new IllegalArgumentException("tensor declared twice: " + s.name());
    }
    Path out = outDir.toAbsolutePath().normalize();
    OutputLocation.refuseSourceOverlap(out, sources);
    if (Files.exists(out)) {
      if (!Files.isDirectory(out)) throw new VlmqException("output " + out + " exists and is not a folder");
      if (ifExists == IfExists.REFUSE) {
        throw new VlmqException("output folder " + out + " already exists: choose a new folder, or allow"
            + " overwriting it");
      }
    }
    var plan = ShardPlan.of(specs, maxShardBytes);
    var headers = plan.shards().stream().map(s -> ShardHeader.encode(s.tensors(), metadata))
        .toList();
    for (int i = 0; i < headers.size(); i++) {
      if (headers.get(i).json().length > SafetensorsFile.MAX_HEADER_BYTES) {
        throw new VlmqException(plan.shards().get(i).fileName() + ": the header would exceed the "
            + SafetensorsFile.MAX_HEADER_BYTES + "-byte limit of safetensors readers; use a smaller shard size");
      }
    }
    Path staging = OutputLocation.createStaging(out, headers.stream().mapToLong(ShardHeader::fileSize).sum());
    var writer = new CheckpointWriter(out, staging, ifExists, plan);
    try {
      for (int i = 0; i < headers.size(); i++) writer.createShard(plan.shards().get(i).fileName(), headers.get(i));
      return writer;
    } catch (IOException | RuntimeException e) {
      writer.close();
      if (e instanceof RuntimeException r) throw r;
      throw new VlmqException("cannot create the output files in " + staging + ": " + e.getMessage(), e);
    }
  }

  /** Where a tensor's bytes are: shard number, position in the shard file, size. */
  private record Location(int shard, long position, long size) {}

  private void createShard(String fileName, ShardHeader header) throws IOException {
    Path file = staging.resolve(fileName);
    var channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    int shard = channels.size();
    channels.add(channel);
    files.add(file);
    headers.add(header);
    var prefix = ByteBuffer.allocate((int) header.dataOffset()).order(ByteOrder.LITTLE_ENDIAN);
    prefix.putLong(header.json().length).put(header.json()).flip();
    while (prefix.hasRemaining()) channel.write(prefix, prefix.position());
    if (header.dataBytes() > 0) channel.write(ByteBuffer.allocate(1), header.fileSize() - 1); // the full length
    for (TensorSpec t : header.order()) {
      locations.put(t.name(), new Location(shard, header.dataOffset() + header.begins().get(t.name()), t.byteSize()));
    }
  }

  /**
   * Writes {@code bytes} at byte {@code offset} of tensor {@code name} (little-endian); threads may write disjoint
   * ranges concurrently. Off-heap bytes go to the file directly; mapped files (a checkpoint being copied) and heap
   * arrays pass through a small per-thread buffer, which is several times faster for a mapped source than letting
   * the kernel copy from the mapping.
   */
  public void write(String name, long offset, MemorySegment bytes) {
    Location at = location(name);
    if (offset < 0 || offset > at.size() || bytes.byteSize() > at.size() - offset) {
      throw new IndexOutOfBoundsException(name + ": writing " + bytes.byteSize() + " bytes at " + offset
          + " overruns the tensor's " + at.size() + " bytes");
    }
    FileChannel channel = channels.get(at.shard());
    long position = at.position() + offset;
    boolean direct = bytes.isNative() && !bytes.isMapped();
    long chunk = direct ? 1L << 30 : STAGING_BYTES; // a ByteBuffer holds at most 2^31-1 bytes
    try {
      for (long done = 0; done < bytes.byteSize(); ) {
        long length = Math.min(bytes.byteSize() - done, chunk);
        MemorySegment part = bytes.asSlice(done, length);
        if (!direct) part = STAGING.get().asSlice(0, length).copyFrom(part);
        ByteBuffer buffer = part.asByteBuffer();
        // The kernel serializes writes to a file anyway (inode lock), spinning the CPU of whoever waits; waiting
        // here instead leaves that CPU to the other workers.
        synchronized (channel) {
          while (buffer.hasRemaining()) channel.write(buffer, position + done + buffer.position());
        }
        done += length;
      }
    } catch (IOException e) {
      throw new VlmqException("cannot write " + name + " into " + staging + ": " + e.getMessage(), e);
    }
    writeBehind.written(bytes.byteSize());
  }

  /**
   * The writable bytes of tensor {@code name} (little-endian, exactly its size), mapped from the shard file, to be
   * filled before {@link #commit}; slices of different tensors are disjoint, so threads may fill them concurrently.
   * For bulk data {@link #write} is faster: filling a fresh mapping faults in every page.
   */
  public MemorySegment segment(String name) {
    Location at = location(name);
    MemorySegment file = mappings.computeIfAbsent(at.shard(), this::map);
    return file.asSlice(at.position(), at.size());
  }

  private Location location(String name) {
    Location at = locations.get(name);
    if (at == null) throw new IllegalArgumentException("tensor was not declared: " + name);
    if (closed) throw new IllegalStateException("writer for " + outDir + " is closed");
    handedOut.add(name);
    return at;
  }

  private MemorySegment map(int shard) {
    try {
      return channels.get(shard).map(FileChannel.MapMode.READ_WRITE, 0, headers.get(shard).fileSize(), arena);
    } catch (IOException e) {
      throw new VlmqException("cannot map " + plan.shards().get(shard).fileName() + " in " + staging + ": "
          + e.getMessage(), e);
    }
  }

  /** The folder that becomes the output at commit: put the non-tensor files (config, tokenizer) here. */
  public Path stagingDir() {
    return staging;
  }

  public Path outputDir() {
    return outDir;
  }

  /** The shard files, in order, as they will be named in the output. */
  public List<String> fileNames() {
    return plan.shards().stream().map(ShardPlan.Shard::fileName).toList();
  }

  /**
   * Flushes every shard, writes the index when sharded and moves the staging folder to the output; then the
   * segments are no longer usable. Every declared tensor must have been written or had its segment requested.
   */
  public synchronized Path commit() {
    if (closed) throw new IllegalStateException("writer for " + outDir + " is closed");
    var unwritten = plan.shards().stream().flatMap(s -> s.tensors().stream()).map(TensorSpec::name)
        .filter(n -> !handedOut.contains(n)).limit(5).toList();
    if (!unwritten.isEmpty()) throw new IllegalStateException("tensors never written: " + unwritten);
    refuseStrayWeights();
    try {
      writeBehind.close();
      for (MemorySegment m : mappings.values()) m.force();
      arena.close();
      for (int i = 0; i < channels.size(); i++) {
        channels.get(i).force(false);
        channels.get(i).close();
        PageCache.release(files.get(i));
      }
      if (plan.sharded()) writeIndex();
      OutputLocation.moveIntoPlace(staging, outDir, ifExists == IfExists.REPLACE);
      committed = true;
    } catch (IOException e) {
      throw new VlmqException("cannot write " + outDir + ": " + e.getMessage(), e);
    } finally {
      close();
    }
    return outDir;
  }

  /** A weights file or index copied into the staging folder would mix with (or contradict) ours. */
  private void refuseStrayWeights() {
    var ours = new HashSet<>(fileNames());
    try (Stream<Path> list = Files.list(staging)) {
      var stray = list.map(p -> p.getFileName().toString())
          .filter(n -> (n.endsWith(".safetensors") || n.endsWith(".safetensors.index.json")) && !ours.contains(n))
          .sorted().toList();
      if (!stray.isEmpty()) {
        throw new IllegalStateException("weight files were copied into the staging folder: " + stray);
      }
    } catch (IOException e) {
      throw new VlmqException("cannot list " + staging + ": " + e.getMessage(), e);
    }
  }

  private void writeIndex() throws IOException {
    var weightMap = new HashMap<String, String>();
    long totalSize = 0;
    for (ShardPlan.Shard shard : plan.shards()) {
      for (TensorSpec t : shard.tensors()) weightMap.put(t.name(), shard.fileName());
      totalSize += shard.dataBytes();
    }
    Files.writeString(staging.resolve(ShardIndex.FILE_NAME), ShardIndex.toJson(totalSize, weightMap));
  }

  /** Releases the files; without a commit, deletes the staging folder and leaves the output untouched. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    try {
      writeBehind.close();
    } catch (IOException e) {
      // Only a committed output must be on disk; this one is being deleted.
    }
    if (arena.scope().isAlive()) arena.close();
    for (FileChannel c : channels) {
      try {
        c.close();
      } catch (IOException e) {
        // Nothing of this writer survives a close: only a committed output, already flushed and moved.
      }
    }
    if (!committed) OutputLocation.deleteTree(staging);
  }
}
