package vlmq.engine.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import vlmq.VlmqException;
import vlmq.engine.image.RgbImage;
import vlmq.engine.qwen.ChatMessage;
import vlmq.engine.qwen.QwenChat;
import vlmq.engine.qwen.QwenVlConfig;
import vlmq.engine.tokenizer.Tokenizer;

/**
 * The prompts a comparison runs, as token ids with one image_pad id standing for each image between vision_start and
 * vision_end. With the checkpoint's tokenizer, prompts are chat turns (the family's chat template, a user message of
 * images and text, the generation prompt) and a prompts file may hold text; without one they are token-id lists.
 * Without a prompts file a built-in set mixes image and text prompts (chat turns, or the config's special tokens
 * around ordinary text ids); without an images folder the images are synthetic (a colour gradient, a checkerboard,
 * seeded noise), rendered here so a comparison needs no data at all.
 */
public final class ComparePrompts {
  /** One prompt: its token ids and the images its image_pad ids stand for, in order. */
  public record Prompt(String label, int[] tokenIds, List<RgbImage> images) {
    public Prompt {
      tokenIds = tokenIds.clone();
      images = List.copyOf(images);
    }

    @Override
    public int[] tokenIds() {
      return tokenIds.clone();
    }
  }

  private static final long SEED = 20250601L;

  private ComparePrompts() {}

  /**
   * The built-in prompts: with a tokenizer four chat turns (describe an image, a question about an image, text only,
   * two images); without one an image then text, text around an image, text only, and two images, the text ids drawn
   * (seeded) below the lowest special token id of the config. Images come from {@code images} in turn (synthetic
   * when empty).
   *
   * @param tokenizer the checkpoint's tokenizer, or null
   */
  public static List<Prompt> defaults(QwenVlConfig config, List<RgbImage> images, Tokenizer tokenizer) {
    List<RgbImage> pool = images.isEmpty() ? synthetic() : images;
    if (tokenizer != null) {
      var image = new ChatMessage.Image();
      return List.of(
          chat("describe image", List.of(image, new ChatMessage.Text("Describe this image in one sentence.")), pool, 0,
              config, tokenizer),
          chat("image question", List.of(image, new ChatMessage.Text("Which colours dominate this picture, and "
              + "where are they?")), pool, 1, config, tokenizer),
          chat("text only", List.of(new ChatMessage.Text("Write a short poem about the sea.")), pool, 2, config,
              tokenizer),
          chat("two images", List.of(image, image, new ChatMessage.Text("What is different between these two "
              + "images?")), pool, 2, config, tokenizer));
    }
    int start = config.visionStartTokenId();
    int pad = config.imageTokenId();
    int end = config.visionEndTokenId();
    int textBound = IntStream.concat(IntStream.of(start, pad, end, config.videoTokenId(), config.text().vocabSize()),
        config.text().eosTokenIds().stream().mapToInt(Integer::intValue)).filter(id -> id > 0).min().orElseThrow();
    var random = new SplittableRandom(SEED);
    var cursor = new int[1];
    java.util.function.Supplier<RgbImage> next = () -> pool.get(cursor[0]++ % pool.size());
    var prompts = new ArrayList<Prompt>();
    prompts.add(new Prompt("image, then text", concat(new int[] {start, pad, end}, text(random, textBound, 12)),
        List.of(next.get())));
    prompts.add(new Prompt("text, image, text", concat(text(random, textBound, 5), new int[] {start, pad, end},
        text(random, textBound, 9)), List.of(next.get())));
    prompts.add(new Prompt("text only", text(random, textBound, 24), List.of()));
    prompts.add(new Prompt("two images", concat(new int[] {start, pad, end}, text(random, textBound, 3),
        new int[] {start, pad, end}, text(random, textBound, 6)), List.of(next.get(), next.get())));
    return prompts;
  }

  /**
   * Prompts from a text file, one per line: token ids separated by commas or spaces, or (with a tokenizer) text, sent
   * as a user turn through the chat template with each {@code <image>} in it standing for an image; blank lines and
   * lines starting with {@code #} are skipped. Images are handed out in order, cycling through {@code images}
   * (synthetic when empty).
   *
   * @param tokenizer the checkpoint's tokenizer, or null (then every line must be token ids)
   */
  public static List<Prompt> read(Path file, QwenVlConfig config, List<RgbImage> images, Tokenizer tokenizer) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new VlmqException("cannot read the prompts file " + file + ": " + e.getMessage(), e);
    }
    List<RgbImage> pool = images.isEmpty() ? synthetic() : images;
    int used = 0;
    var prompts = new ArrayList<Prompt>();
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty() || line.startsWith("#")) continue;
      int[] ids;
      if (!line.matches("\\d+([,\\s]+\\d+)*")) {
        if (tokenizer == null) {
          throw new VlmqException(file + " line " + (n + 1) + ": '" + line + "' is not a list of token ids (numbers"
              + " separated by commas or spaces), and the checkpoint has no tokenizer.json to encode text with");
        }
        var parts = new ArrayList<ChatMessage.Part>();
        String[] pieces = line.split("<image>", -1);
        for (int p = 0; p < pieces.length; p++) {
          if (p > 0) parts.add(new ChatMessage.Image());
          if (!pieces[p].isBlank()) parts.add(new ChatMessage.Text(pieces[p].strip()));
        }
        Prompt prompt = chat("line " + (n + 1), parts, pool, used, config, tokenizer);
        used += prompt.images().size();
        prompts.add(prompt);
        continue;
      }
      ids = Stream.of(line.split("[,\\s]+")).mapToInt(Integer::parseInt).toArray();
      var mine = new ArrayList<RgbImage>();
      for (int id : ids) if (id == config.imageTokenId()) mine.add(pool.get(used++ % pool.size()));
      prompts.add(new Prompt("line " + (n + 1), ids, mine));
    }
    if (prompts.isEmpty()) throw new VlmqException(file + " holds no prompts (one line of token ids per prompt)");
    return prompts;
  }

  /** One user turn through the chat template, its images taken from {@code pool} from {@code first} on, cycling. */
  private static Prompt chat(String label, List<ChatMessage.Part> content, List<RgbImage> pool, int first,
      QwenVlConfig config, Tokenizer tokenizer) {
    var message = ChatMessage.user(content);
    String text = QwenChat.render(config.variant(), List.of(message), true, false);
    var images = new ArrayList<RgbImage>();
    for (int i = 0; i < message.images(); i++) images.add(pool.get((first + i) % pool.size()));
    return new Prompt(label, tokenizer.encode(text), images);
  }

  /** The PNG/JPEG files of {@code dir}, by name. */
  public static List<RgbImage> images(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      List<RgbImage> images = files.filter(f -> {
        String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg");
      }).sorted().map(RgbImage::read).toList();
      if (images.isEmpty()) throw new VlmqException(dir + " holds no .png, .jpg or .jpeg images");
      return images;
    } catch (IOException e) {
      throw new VlmqException("cannot list the images folder " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Three small synthetic images: a colour gradient (112×112), a checkerboard (168×112), seeded noise (112×84). */
  public static List<RgbImage> synthetic() {
    var random = new SplittableRandom(SEED);
    return List.of(render(112, 112, (x, y, c) -> c == 0 ? x * 255 / 111 : c == 1 ? y * 255 / 111 : 128),
        render(168, 112, (x, y, c) -> ((x / 14 + y / 14) % 2 == 0) ? new int[] {230, 40, 40}[c] : new int[] {20, 60,
            200}[c]),
        render(112, 84, (x, y, c) -> random.nextInt(256)));
  }

  private interface Pixel {
    int value(int x, int y, int channel);
  }

  private static RgbImage render(int width, int height, Pixel pixel) {
    byte[] rgb = new byte[width * height * 3];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        for (int c = 0; c < 3; c++) rgb[(y * width + x) * 3 + c] = (byte) pixel.value(x, y, c);
      }
    }
    return new RgbImage(width, height, rgb);
  }

  private static int[] text(SplittableRandom random, int bound, int count) {
    return random.ints(count, 0, bound).toArray();
  }

  private static int[] concat(int[]... parts) {
    return Stream.of(parts).flatMapToInt(IntStream::of).toArray();
  }
}
