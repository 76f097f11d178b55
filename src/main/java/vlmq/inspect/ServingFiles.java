package vlmq.inspect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which of the files an engine needs besides the weights are in a checkpoint folder.
 * vLLM and transformers fail late (at the first request) when a tokenizer, chat template or processor config is
 * missing, so inspect reports them up front.
 */
public record ServingFiles(List<String> present, List<String> missing) {

  /** One serving need and the file names that satisfy it (any of them). */
  private record Need(String label, List<String> anyOf) {}

  private static final List<Need> NEEDS = List.of(
      new Need("tokenizer", List.of("tokenizer.json", "tokenizer.model", "vocab.json")),
      new Need("tokenizer config", List.of("tokenizer_config.json")),
      new Need("chat template", List.of("chat_template.json", "chat_template.jinja")),
      new Need("image processor config", List.of("preprocessor_config.json", "processor_config.json")),
      new Need("generation config", List.of("generation_config.json")));

  static ServingFiles scan(Path dir, boolean chatTemplateInTokenizerConfig) {
    List<String> present = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (Need need : NEEDS) {
      String found = need.anyOf().stream().filter(f -> Files.isRegularFile(dir.resolve(f))).findFirst().orElse(null);
      if (found == null && need.label().equals("chat template") && chatTemplateInTokenizerConfig) {
        found = "tokenizer_config.json";
      }
      if (found != null) present.add(need.label() + " (" + found + ")");
      else missing.add(need.label() + " (" + String.join(" or ", need.anyOf()) + ")");
    }
    return new ServingFiles(List.copyOf(present), List.copyOf(missing));
  }
}
