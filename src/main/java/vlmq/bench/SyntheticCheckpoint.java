package vlmq.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import vlmq.VlmqException;
import vlmq.estimate.ModelTensors;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.io.safetensors.TensorSpec;
import vlmq.model.FamilyMap;
import vlmq.model.ModelConfig;
import vlmq.numeric.Bf16;
import vlmq.numeric.DType;

/**
 * Writes a random-weight checkpoint with exactly the tensor names and shapes transformers saves for a
 * {@code config.json} (in the family's hub layout), so benchmarks run at real model sizes without downloading weights. Values are small
 * triangular noise (like trained Linear weights, never all-zero rows) in the config's dtype.
 */
public final class SyntheticCheckpoint {
  private static final long CHUNK_BYTES = 16L << 20;
  private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

  private SyntheticCheckpoint() {}

  public static Path write(Path configJson, Path out, long seed, int threads) {
    ModelConfig config = ModelConfig.read(configJson);
    List<TensorSpec> specs = hubNames(config, ModelTensors.of(config).tensors());
    for (TensorSpec s : specs) {
      if (s.dtype() != DType.BF16) throw new VlmqException(configJson + ": synthetic checkpoints are BF16 only, " + s.name() + " is " + s.dtype());
    }
    try (CheckpointWriter writer = CheckpointWriter.create(out, List.of(configJson.toAbsolutePath().getParent()), specs,
             Map.of("format", "pt"), CheckpointWriter.DEFAULT_MAX_SHARD_BYTES);
         ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads))) {
      List<Future<?>> jobs = new ArrayList<>();
      long chunkIndex = 0;
      ThreadLocal<MemorySegment> buffers = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CHUNK_BYTES));
      for (TensorSpec s : specs) {
        for (long off = 0; off < s.byteSize(); off += CHUNK_BYTES) {
          long from = off, to = Math.min(s.byteSize(), off + CHUNK_BYTES), chunkSeed = seed * 1_000_003L + chunkIndex++;
          jobs.add(pool.submit(() -> {
            MemorySegment chunk = buffers.get().asSlice(0, to - from);
            fill(chunk, chunkSeed);
            writer.write(s.name(), from, chunk);
          }));
        }
        if (s.byteSize() == 0) writer.write(s.name(), 0, MemorySegment.NULL);
      }
      for (Future<?> f : jobs) f.get();
      Files.copy(configJson, writer.stagingDir().resolve("config.json"));
      return writer.commit();
    } catch (IOException e) {
      throw new VlmqException("cannot write the synthetic checkpoint " + out + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VlmqException("interrupted while writing " + out, e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new VlmqException("cannot write the synthetic checkpoint " + out + ": " + e.getCause(), e.getCause());
    }
  }

  /**
   * The tensors renamed to the family's original hub layout ({@code visual.*}, {@code model.layers.*} for
   * Qwen2.5-VL), which is what published checkpoints and transformers' save_pretrained use.
   */
  private static List<TensorSpec> hubNames(ModelConfig config, List<TensorSpec> runtime) {
    Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
    runtime.forEach(t -> shapes.put(t.name(), t.shape()));
    FamilyMap map = FamilyMap.of(config, shapes);
    return runtime.stream().map(t -> {
      int dot = t.name().lastIndexOf('.');
      String hub = map.names(t.name().substring(0, dot)).hub().getFirst();
      return new TensorSpec(hub + t.name().substring(dot), t.dtype(), t.shape());
    }).toList();
  }

  /** Triangular noise in (-0.05, 0.05) from a xorshift generator; bf16 values, little-endian. */
  private static void fill(MemorySegment dst, long seed) {
    long x = seed | 1;
    for (long off = 0; off < dst.byteSize(); off += 2) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      float a = (x & 0xFFFFFF) / (float) (1 << 24);
      float b = ((x >>> 24) & 0xFFFFFF) / (float) (1 << 24);
      dst.set(LE_SHORT, off, Bf16.fromFloat((a - b) * 0.05f));
    }
  }
}
