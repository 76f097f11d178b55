package vlmq.transform;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import vlmq.VlmqException;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.Checkpoint.Tensor;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.io.safetensors.TensorSpec;

/**
 * The checkpoint a repair or conversion writes: the source's tensors in their order, each copied, dropped or
 * replaced by tensors computed from it. Written through {@link CheckpointWriter}, so the result appears in one
 * rename beside the output, never inside the source, and only when complete.
 */
final class Rewrite {
  /** Fills one output tensor's bytes (little-endian, exactly its size). */
  interface Fill {
    void into(MemorySegment out);
  }

  /**
   * A source tensor's bytes unchanged: streamed into the output file rather than filled through a mapping, which is
   * several times faster for the weights that make up most of a checkpoint.
   */
  record Copy(Tensor source) implements Fill {
    @Override
    public void into(MemorySegment out) {
      MemorySegment.copy(source.data(), 0, out, 0, source.byteSize());
    }
  }

  /** Config files a repair or conversion writes itself rather than copying. */
  static final Set<String> CONFIG_FILES = Set.of("config.json", "hf_quant_config.json");

  private final Checkpoint source;
  private final LinkedHashMap<String, TensorSpec> specs = new LinkedHashMap<>();
  private final Map<String, Fill> fills = new LinkedHashMap<>();

  /** Starts as a copy of every tensor of {@code source}. */
  Rewrite(Checkpoint source) {
    this.source = source;
    for (var t : source.tensors()) {
      specs.put(t.name(), new TensorSpec(t.name(), t.dtype(), t.shape()));
      fills.put(t.name(), new Copy(t));
    }
  }

  /** Copies {@code t} unchanged under {@code name} (its own name, or a new one), in place of {@code t}. */
  void copy(Tensor t, String name) {
    replace(List.of(t.name()), List.of(new TensorSpec(name, t.dtype(), t.shape())),
        Map.of(name, new Copy(t)));
  }

  void drop(String name) {
    specs.remove(name);
    fills.remove(name);
  }

  /**
   * Puts {@code added} where the first of {@code removed} was (at the end when none was written yet), and drops the
   * others of {@code removed}.
   */
  void replace(List<String> removed, List<TensorSpec> added, Map<String, Fill> by) {
    var rebuilt = new LinkedHashMap<String, TensorSpec>();
    boolean placed = false;
    for (var e : specs.entrySet()) {
      if (removed.contains(e.getKey())) {
        if (!placed) added.forEach(s -> rebuilt.put(s.name(), s));
        placed = true;
      } else {
        rebuilt.put(e.getKey(), e.getValue());
      }
    }
    if (!placed) added.forEach(s -> rebuilt.put(s.name(), s));
    removed.forEach(fills::remove);
    specs.clear();
    specs.putAll(rebuilt);
    fills.putAll(by);
  }

  boolean has(String name) {
    return specs.containsKey(name);
  }

  List<TensorSpec> specs() {
    return List.copyOf(specs.values());
  }

  /**
   * Writes everything to {@code output}: the tensors, the source folder's other files except {@link #CONFIG_FILES},
   * then {@code configs} (given the staging folder) writes the configs.
   */
  Path write(Path output, Consumer<Path> configs) {
    try (var writer = CheckpointWriter.create(output, List.of(source.dir()), specs(), source.metadata(),
        CheckpointWriter.DEFAULT_MAX_SHARD_BYTES)) {
      for (var spec : specs.values()) {
        if (fills.get(spec.name()) instanceof Copy copy) writer.write(spec.name(), 0, copy.source().data());
        else fills.get(spec.name()).into(writer.segment(spec.name()));
      }
      copyOtherFiles(source.dir(), writer.stagingDir());
      configs.accept(writer.stagingDir());
      return writer.commit();
    }
  }

  private static void copyOtherFiles(Path input, Path staging) {
    try (Stream<Path> files = Files.list(input)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json") || CONFIG_FILES.contains(name)
            || name.startsWith(".")) {
          continue;
        }
        Files.copy(f, staging.resolve(name));
      }
    } catch (IOException e) {
      throw new VlmqException("cannot copy the files of " + input + ": " + e.getMessage(), e);
    }
  }
}
