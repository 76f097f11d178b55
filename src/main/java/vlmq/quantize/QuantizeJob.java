package vlmq.quantize;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import vlmq.VlmqException;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.Checkpoint.Tensor;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.io.safetensors.TensorSpec;
import vlmq.model.FamilyMap;
import vlmq.model.FusedGroup;
import vlmq.model.ModelConfig;
import vlmq.model.TensorKind;
import vlmq.quant.TensorStats;
import vlmq.quant.WeightQuantizer;
import vlmq.plan.ModuleDecision;
import vlmq.plan.QuantizationPlan;
import vlmq.recipe.Recipe;
import vlmq.recipe.Strategy;

/**
 * Streams a bf16 checkpoint through a {@link QuantizationPlan} into a compressed-tensors or ModelOpt checkpoint: every
 * output tensor is declared up front, then worker threads read slices of the input into a per-thread buffer, quantize
 * row ranges there (or keep the bytes as they are) and write the result with positioned writes, so memory use depends
 * on the thread count and row width, not model size. The output appears only when complete. What differs between the
 * formats (tensors per module, config files) is the {@link OutputLayout}'s.
 */
public final class QuantizeJob {
  /** Work units aim at this many source bytes so threads stay balanced without flooding the queue. */
  private static final long MAX_UNIT_BYTES = 8L << 20;
  private static final long MIN_UNIT_BYTES = 256L << 10;

  public record Request(Path input, Path output, Recipe recipe, boolean quantizeVision, long maxShardBytes, int threads,
      CheckpointFormat format) {
    /** A compressed-tensors request. */
    public Request(Path input, Path output, Recipe recipe, boolean quantizeVision, long maxShardBytes, int threads) {
      this(input, output, recipe, quantizeVision, maxShardBytes, threads, CheckpointFormat.COMPRESSED_TENSORS);
    }
  }

  public record Result(Path output, QuantizationPlan plan, long inputBytes, long outputBytes, List<String> files, Duration elapsed) {}

  /** A checkpoint opened for quantization, with its plan resolved. */
  public record Planned(ModelConfig config, Checkpoint checkpoint, QuantizationPlan plan) implements AutoCloseable {
    public FamilyMap map() {
      return plan.familyMap();
    }

    @Override
    public void close() {
      checkpoint.close();
    }
  }

  private QuantizeJob() {}

  /** Opens {@code input} and resolves the plan; nothing is written. */
  public static Planned plan(Path input, Recipe recipe, boolean quantizeVision) {
    if (!Files.isDirectory(input)) {
      throw new VlmqException(input + ": no such folder — pass the checkpoint folder that holds config.json and *.safetensors.");
    }
    ModelConfig config = ModelConfig.read(input.resolve("config.json"));
    if (config.root().has("quantization_config") || Files.exists(input.resolve("hf_quant_config.json"))) {
      throw new VlmqException(input + " is already quantized (config.json has quantization_config) — quantize the original bf16 checkpoint instead.");
    }
    Checkpoint checkpoint = Checkpoint.open(input);
    try {
      return new Planned(config, checkpoint, QuantizationPlan.resolve(recipe, config, checkpoint, quantizeVision));
    } catch (RuntimeException e) {
      checkpoint.close();
      throw e;
    }
  }

  /**
   * Opens {@code input} and resolves the plan for {@code format}; nothing is written.
   *
   * @throws VlmqException also when the format cannot hold the plan (a scheme ModelOpt has no algo for)
   */
  public static Planned plan(Path input, Recipe recipe, boolean quantizeVision, CheckpointFormat format) {
    Planned planned = plan(input, recipe, quantizeVision);
    try {
      OutputLayout.of(format, planned);
      return planned;
    } catch (RuntimeException e) {
      planned.close();
      throw e;
    }
  }

  public static Result run(Request request, ProgressListener progress) {
    long start = System.nanoTime();
    try (Planned planned = plan(request.input(), request.recipe(), request.quantizeVision())) {
      return write(planned, OutputLayout.of(request.format(), planned), request, progress, start);
    }
  }

  private static Result write(Planned p, OutputLayout format, Request request, ProgressListener progress, long start) {
    Map<String, ModuleDecision> quantized = new HashMap<>();
    for (ModuleDecision d : p.plan().decisions()) if (d.quantized()) quantized.put(d.module(), d);

    List<TensorSpec> specs = new ArrayList<>();
    Map<Tensor, ModuleDecision> modules = new LinkedHashMap<>();
    for (Tensor t : p.checkpoint().tensors()) {
      var role = p.map().role(t.name());
      ModuleDecision d = quantized.get(role.module());
      if (d != null && role.kind() == TensorKind.LINEAR_WEIGHT) {
        specs.addAll(format.specs(d));
        modules.put(t, d);
      } else {
        specs.add(new TensorSpec(t.name(), t.dtype(), t.shape()));
      }
    }

    int threads = Math.max(1, request.threads());
    try (CheckpointWriter writer = CheckpointWriter.create(request.output(), List.of(request.input()), specs,
             Map.of("format", "pt"), request.maxShardBytes());
         ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
           Thread th = new Thread(r, "vlmq-quantize");
           th.setDaemon(true);
           return th;
         })) {
      Map<Tensor, LinearLayout> layouts = new LinkedHashMap<>();
      modules.forEach((t, d) -> layouts.put(t, d.layout()));
      long unitBytes = unitBytes(threads);
      Map<Tensor, TensorStats> stats = tensorStats(p, layouts, pool, unitBytes, progress);
      List<WorkUnit> units = units(p.checkpoint().tensors(), modules, format, stats, writer, unitBytes);
      long total = units.stream().mapToLong(WorkUnit::sourceBytes).sum();
      int tensors = p.checkpoint().tensors().size();
      progress.start("quantize", total, tensors);
      AtomicInteger done = new AtomicInteger();
      runAll(pool, units.stream().map(u -> (Runnable) () -> {
        u.run();
        int finished = u.tensor().unitDone() ? done.incrementAndGet() : done.get();
        progress.advance(u.sourceBytes(), finished);
      }).toList());
      progress.finish();

      copyServingFiles(request.input(), writer.stagingDir());
      format.writeConfigs(writer.stagingDir(), p);
      writeText(writer.stagingDir().resolve("recipe.yaml"), p.plan().resolvedRecipe().toYaml());
      long outputBytes = specs.stream().mapToLong(TensorSpec::byteSize).sum();
      writeText(writer.stagingDir().resolve("README.md"), ModelCard.render(request.input(), p, outputBytes,
          request.format()));
      Path out = writer.commit();
      return new Result(out, p.plan(), p.checkpoint().totalBytes(), outputBytes, writer.fileNames(),
          Duration.ofNanos(System.nanoTime() - start));
    }
  }

  /**
   * Whole-tensor statistics for quantizers that need them; NVFP4 fused groups (q/k/v, gate/up) share one global
   * scale from the union of their members, as llm-compressor's fused-layer update does.
   */
  private static Map<Tensor, TensorStats> tensorStats(Planned p, Map<Tensor, LinearLayout> layouts, ExecutorService pool,
      long unitBytes, ProgressListener progress) {
    Map<Tensor, TensorStats> stats = new java.util.concurrent.ConcurrentHashMap<>();
    List<Tensor> needed = layouts.entrySet().stream().filter(e -> WeightQuantizer.of(e.getValue()).needsTensorStats())
        .map(Map.Entry::getKey).toList();
    if (needed.isEmpty()) return stats;
    progress.start("measure", needed.stream().mapToLong(Tensor::byteSize).sum(), needed.size());
    AtomicInteger done = new AtomicInteger();
    runAll(pool, needed.stream().map(t -> (Runnable) () -> {
      stats.put(t, measure(t, layouts.get(t), unitBytes));
      progress.advance(t.byteSize(), done.incrementAndGet());
    }).toList());
    progress.finish();

    Map<String, Tensor> byModule = new HashMap<>();
    layouts.forEach((t, l) -> byModule.put(l.prefix(), t));
    for (FusedGroup group : p.map().fusedGroups()) {
      List<Tensor> members = group.members().stream().map(byModule::get).toList();
      if (members.contains(null) || members.stream().anyMatch(t -> !stats.containsKey(t))) continue;
      if (members.stream().anyMatch(t -> layouts.get(t).weights().strategy() != Strategy.TENSOR_GROUP)) continue;
      TensorStats union = TensorStats.union(members.stream().map(stats::get).toArray(TensorStats[]::new));
      members.forEach(t -> stats.put(t, union));
    }
    return stats;
  }

  /**
   * Source bytes per work unit. Each thread keeps a buffer of about twice that, off-heap, which the JVM counts against
   * its direct-memory limit (by default the heap size): with many threads the units shrink so that all buffers stay
   * within a quarter of it, and {@code -Xmx512m} still suffices on a 64-core machine.
   */
  static long unitBytes(int threads) {
    long perThread = Runtime.getRuntime().maxMemory() / 4 / Math.max(1, threads);
    return Math.clamp(perThread / 2, MIN_UNIT_BYTES, MAX_UNIT_BYTES);
  }

  /** {@link TensorStats#measure} over the tensor read in unit-sized row bands, as the quantize pass reads it. */
  private static TensorStats measure(Tensor t, LinearLayout l, long unitBytes) {
    long bytesPerRow = t.byteSize() / l.rows();
    long bandRows = Math.max(1, unitBytes / bytesPerRow);
    TensorStats stats = null;
    for (long r0 = 0; r0 < l.rows(); r0 += bandRows) {
      long rows = Math.min(bandRows, l.rows() - r0);
      MemorySegment band = UnitBuffer.reserve(rows * bytesPerRow).take(rows * bytesPerRow);
      t.read(r0 * bytesPerRow, band);
      TensorStats s = TensorStats.measure(band, l.weightDtype(), rows, l.cols());
      stats = stats == null ? s : TensorStats.union(stats, s);
    }
    return stats;
  }

  private static List<WorkUnit> units(List<Tensor> tensors, Map<Tensor, ModuleDecision> modules, OutputLayout format,
      Map<Tensor, TensorStats> stats, CheckpointWriter writer, long unitBytes) {
    List<WorkUnit> units = new ArrayList<>();
    for (Tensor t : tensors) {
      List<WorkUnit> mine = new ArrayList<>();
      var completion = new TensorCompletion();
      ModuleDecision module = modules.get(t);
      Runnable finish = () -> {};
      if (module == null) {
        long size = t.byteSize();
        long pieces = Math.max(1, Math.ceilDiv(size, unitBytes)); // an empty tensor is still one (empty) unit
        for (long i = 0; i < pieces; i++) {
          long off = i * unitBytes;
          mine.add(new WorkUnit.Copy(t, writer, off, Math.min(unitBytes, size - off), completion));
        }
      } else {
        LinearLayout layout = module.layout();
        WeightQuantizer q = WeightQuantizer.of(layout);
        var bound = format.outputs(module, writer);
        var targets = bound.targets();
        finish = bound.finish();
        long rows = layout.rows();
        long bytesPerRow = t.byteSize() / Math.max(1, rows);
        long align = q.rowAlignment();
        long step = Math.max(align, (unitBytes / Math.max(1, bytesPerRow)) / align * align);
        TensorStats s = stats.getOrDefault(t, TensorStats.NONE);
        for (long r0 = 0; r0 < rows; r0 += step) {
          mine.add(new WorkUnit.Quantize(q, t, s, r0, Math.min(rows, r0 + step), bytesPerRow, targets, writer,
              completion));
        }
      }
      completion.start(mine.size(), finish);
      units.addAll(mine);
    }
    return units;
  }

  private static void runAll(ExecutorService pool, List<Runnable> tasks) {
    List<Future<?>> futures = new ArrayList<>(tasks.size());
    for (Runnable task : tasks) futures.add(pool.submit(task));
    try {
      for (Future<?> f : futures) f.get();
    } catch (InterruptedException e) {
      futures.forEach(f -> f.cancel(true));
      Thread.currentThread().interrupt();
      throw new VlmqException("quantization was interrupted; nothing was written.", e);
    } catch (ExecutionException e) {
      futures.forEach(f -> f.cancel(true));
      if (e.getCause() instanceof RuntimeException r) throw r;
      if (e.getCause() instanceof OutOfMemoryError oom) {
        throw new VlmqException("out of memory (" + oom.getMessage() + "): use fewer --threads, or give the JVM more"
            + " with VLMQ_JAVA_OPTS=-Xmx<size>", oom);
      }
      if (e.getCause() instanceof Error err) throw err;
      throw new VlmqException("quantization failed: " + e.getCause(), e.getCause());
    }
  }

  /** Files that are neither weights nor rewritten by vlmq: tokenizer, chat template, processor and generation configs. */
  private static void copyServingFiles(Path input, Path staging) {
    try (Stream<Path> files = Files.list(input)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".safetensors") || name.equals("model.safetensors.index.json") || name.equals("config.json")
            || name.equals("README.md") || name.equals("recipe.yaml") || name.startsWith(".")) continue;
        Files.copy(f, staging.resolve(name));
      }
    } catch (IOException e) {
      throw new VlmqException("cannot copy the serving files of " + input + ": " + e.getMessage(), e);
    }
  }

  static void writeText(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new VlmqException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
