package vlmq.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vlmq.VlmqException;
import vlmq.engine.image.RgbImage;
import vlmq.engine.qwen.ForwardObserver;
import vlmq.engine.qwen.Prompt;
import vlmq.engine.qwen.QwenVlModel;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.io.safetensors.TensorSpec;
import vlmq.numeric.DType;

/**
 * {@code vlmq forward}: one float32 forward pass on raw token ids, writing the logits of every position, so a
 * checkpoint without a tokenizer can be compared with transformers ({@code model(input_ids, ...).logits}).
 */
@Command(
    name = "forward",
    mixinStandardHelpOptions = true,
    description = {"Run one forward pass of a Qwen2-VL, Qwen2.5-VL, Qwen3-VL or Qwen3.5 checkpoint on token ids (and "
        + "images) in float32 and write the logits of every position to a safetensors file.",
        "Put one image_pad id per image in the ids, between vision_start and vision_end, as the chat template "
            + "writes it: it is expanded to the image's token count as transformers' processor does."},
    footer = {"", "The file holds 'logits' F32 [sequence, vocab] and 'input_ids' I64 [sequence] (after the "
        + "expansion).", "", "Example:",
        "  vlmq forward ~/models/Qwen2.5-VL-3B-Instruct --token-ids 151652,151655,151653,3838 --image cat.png "
            + "--out logits.safetensors"})
final class ForwardCommand implements Callable<Integer> {
  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  @Parameters(paramLabel = "<model>", description = "Checkpoint folder (config.json + *.safetensors).")
  Path model;

  @Option(names = "--token-ids", required = true, split = ",", paramLabel = "<id>",
      description = "Comma-separated token ids of the prompt.")
  List<Integer> tokenIds;

  @Option(names = "--image", paramLabel = "<file>", description = "A PNG or JPEG image, once per image_pad id, in "
      + "prompt order.")
  List<Path> images = new ArrayList<>();

  @Option(names = "--out", required = true, paramLabel = "<file.safetensors>", description = "Where to write the "
      + "logits.")
  Path out;

  @Option(names = "--overwrite", description = "Replace --out if it exists.")
  boolean overwrite;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    Path target = out.toAbsolutePath().normalize();
    if (Files.exists(target) && !overwrite) {
      throw new VlmqException(target + " already exists: choose another --out, or add --overwrite");
    }
    if (Files.isDirectory(target)) throw new VlmqException("--out " + target + " is a folder; name a file");
    if (target.startsWith(model.toAbsolutePath().normalize())) {
      throw new VlmqException("--out " + target + " lies inside the model folder, where another .safetensors file"
          + " would be read as part of the checkpoint: write it elsewhere");
    }
    PrintWriter stdout = spec.commandLine().getOut();
    try (QwenVlModel qwen = QwenVlModel.load(model)) {
      if (!images.isEmpty() && qwen.usesDefaultImageProcessor()) {
        spec.commandLine().getErr().println("vlmq: note: " + model + " has no preprocessor_config.json; images are"
            + " prepared with the published " + qwen.config().variant() + " settings");
      }
      List<RgbImage> decoded = images.stream().map(RgbImage::read).toList();
      Prompt prompt = qwen.prompt(tokenIds.stream().mapToInt(Integer::intValue).toArray(), decoded);
      float[] logits = qwen.forward(prompt, ForwardObserver.NONE);
      write(target, prompt.inputIds(), logits, qwen.vocabSize());
      int last = argmax(logits, (prompt.length() - 1) * qwen.vocabSize(), qwen.vocabSize());
      long imageTokens = Arrays.stream(prompt.inputIds()).filter(id -> id == qwen.config().imageTokenId()).count();
      stdout.printf("%s: logits [%d, %d], %d image token(s) from %d image(s); greedy next token %d%n", target,
          prompt.length(), qwen.vocabSize(), imageTokens, images.size(), last);
    }
    stdout.flush();
    return 0;
  }

  /** Writes one safetensors file through the checkpoint writer (staged beside the target, then moved). */
  private void write(Path target, int[] inputIds, float[] logits, int vocab) throws IOException {
    int seq = inputIds.length;
    var specs = List.of(new TensorSpec("logits", DType.F32, new long[] {seq, vocab}),
        new TensorSpec("input_ids", DType.I64, new long[] {seq}));
    Path folder = target.resolveSibling("." + target.getFileName() + ".vlmq-forward-" + UUID.randomUUID());
    String file;
    try (var writer = CheckpointWriter.create(folder, List.of(model), specs, Map.of("format", "pt"),
        Long.MAX_VALUE)) {
      file = writer.fileNames().getFirst();
      MemorySegment.copy(logits, 0, writer.segment("logits"), LE_FLOAT, 0, logits.length);
      MemorySegment ids = writer.segment("input_ids");
      for (int i = 0; i < seq; i++) ids.set(LE_LONG, 8L * i, inputIds[i]);
      writer.commit();
    }
    try {
      Files.move(folder.resolve(file), target, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(folder.resolve(file));
      Files.delete(folder);
    }
  }

  private static int argmax(float[] values, int off, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (values[off + i] > values[off + best]) best = i;
    }
    return best;
  }
}
