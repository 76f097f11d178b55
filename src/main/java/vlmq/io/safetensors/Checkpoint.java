package vlmq.io.safetensors;

import static vlmq.io.safetensors.CheckpointFormatException.corrupt;
import static vlmq.io.safetensors.CheckpointFormatException.label;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import vlmq.VlmqException;
import vlmq.numeric.DType;

/**
 * The tensors of a model folder as one set, whether in one file or sharded. Files are chosen as loaders do:
 * the shard index if present, else {@code model.safetensors}, else every {@code *.safetensors} by name. As in
 * transformers and vLLM, every tensor of every chosen file belongs to the set, listed in the index or not; a
 * name in two files, or an index entry its file lacks, is refused rather than resolved silently. Opening reads
 * headers only (see {@link SafetensorsFile}).
 */
public final class Checkpoint implements AutoCloseable {
  static final String SINGLE_FILE = "model.safetensors";

  /** A tensor and the file holding it. */
  public record Tensor(TensorInfo info, SafetensorsFile file) {
    public String name() {
      return info.name();
    }

    public DType dtype() {
      return info.dtype();
    }

    public long[] shape() {
      return info.shape();
    }

    public long byteSize() {
      return info.byteSize();
    }

    /** Read-only bytes, little-endian; see {@link SafetensorsFile#data}. */
    public MemorySegment data() {
      return file.data(info);
    }

    /** Copies bytes {@code [offset, offset + dst.byteSize())} into {@code dst}; see {@link SafetensorsFile#read}. */
    public void read(long offset, MemorySegment dst) {
      file.read(info, offset, dst);
    }
  }

  private final Path dir;
  private final List<SafetensorsFile> files;
  private final List<Tensor> tensors;
  private final Map<String, Tensor> byName;

  private Checkpoint(Path dir, List<SafetensorsFile> files, Map<String, Tensor> byName) {
    this.dir = dir;
    this.files = List.copyOf(files);
    this.byName = Map.copyOf(byName);
    this.tensors = byName.values().stream().sorted(Comparator.comparing(Tensor::name)).toList();
  }

  /** Opens a model folder, or a single {@code .safetensors} file. */
  public static Checkpoint open(Path path) {
    if (Files.isRegularFile(path)) {
      Path file = path.toAbsolutePath().normalize();
      return assemble(file.getParent(), List.of(file), null, null);
    }
    if (!Files.isDirectory(path)) {
      throw new VlmqException(path + " does not exist or is not a folder: point at a model folder holding"
          + " *.safetensors files (or at one .safetensors file)");
    }
    Path dir = path.toAbsolutePath().normalize();
    Path indexFile = dir.resolve(ShardIndex.FILE_NAME);
    if (Files.isRegularFile(indexFile)) {
      ShardIndex index = ShardIndex.read(indexFile);
      if (index.weightMap().isEmpty()) throw corrupt(indexFile, "'weight_map' is empty");
      var paths = index.files().stream().map(name -> FolderContainment.resolve(dir, indexFile, name)).toList();
      return assemble(dir, paths, index, indexFile);
    }
    Path single = dir.resolve(SINGLE_FILE);
    if (Files.isRegularFile(single)) {
      return assemble(dir, List.of(FolderContainment.resolve(dir, null, SINGLE_FILE)), null, null);
    }
    List<Path> found;
    try (Stream<Path> list = Files.list(dir)) {
      found = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).sorted()
          .map(n -> FolderContainment.resolve(dir, null, n)).toList();
    } catch (IOException e) {
      throw new VlmqException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    if (found.isEmpty()) {
      throw new VlmqException(dir + " holds no *.safetensors files: point at a Hugging Face model folder"
          + " (with model.safetensors or model-0000x-of-0000y.safetensors shards)");
    }
    return assemble(dir, found, null, null);
  }

  private static Checkpoint assemble(Path dir, List<Path> paths, ShardIndex index, Path indexFile) {
    var opened = new ArrayList<SafetensorsFile>();
    try {
      var byName = new HashMap<String, Tensor>();
      for (Path p : paths) {
        SafetensorsFile file = SafetensorsFile.open(p);
        opened.add(file);
        for (TensorInfo t : file.tensors()) {
          Tensor before = byName.putIfAbsent(t.name(), new Tensor(t, file));
          if (before != null) {
            throw corrupt(p, t.name(), "is also in " + label(before.file().path())
                + " (loaders would silently keep one of the two)");
          }
        }
      }
      if (index != null) checkIndex(dir, index, indexFile, byName);
      return new Checkpoint(dir, opened, byName);
    } catch (RuntimeException e) {
      for (SafetensorsFile f : opened) f.close();
      throw e;
    }
  }

  private static void checkIndex(Path dir, ShardIndex index, Path indexFile, Map<String, Tensor> byName) {
    for (var entry : index.weightMap().entrySet()) {
      Tensor t = byName.get(entry.getKey());
      Path named = dir.resolve(entry.getValue()).normalize();
      if (t == null || !t.file().path().equals(named)) {
        throw corrupt(indexFile, entry.getKey(), "the index places it in " + entry.getValue()
            + (t == null ? ", which does not hold it" : " but it is in " + label(t.file().path())));
      }
    }
  }

  /** The folder (for a single file: the folder holding it). */
  public Path dir() {
    return dir;
  }

  /** All tensors, sorted by name. */
  public List<Tensor> tensors() {
    return tensors;
  }

  public Optional<Tensor> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The {@code __metadata__} of the first file; files written by one tool agree (e.g. {@code format=pt}). */
  public Map<String, String> metadata() {
    return files.getFirst().metadata();
  }

  /** Bytes of tensor data (the index's {@code total_size}). */
  public long totalBytes() {
    return tensors.stream().mapToLong(Tensor::byteSize).sum();
  }

  /** The files read, in load order. */
  public List<Path> files() {
    return files.stream().map(SafetensorsFile::path).toList();
  }

  @Override
  public void close() {
    for (SafetensorsFile f : files) f.close();
  }

  @Override
  public String toString() {
    return dir.toString();
  }
}
