package vlmq.model;

import java.util.List;
import java.util.stream.Collectors;

/**
 * How a checkpoint spells its top-level prefixes: transformers' runtime module names ({@code model.visual.*},
 * {@code model.language_model.*}, {@code lm_head}) or the family's original hub layout ({@code visual.*},
 * {@code model.*}; {@code language_model.model.*}, {@code vision_tower.*}). Writers keep the layout they read.
 *
 * @param prefixes the distinct top-level prefixes the tensors use, e.g. {@code visual.}, {@code model.}
 */
public record KeyLayout(Kind kind, List<String> prefixes) {
  public enum Kind {
    /** transformers 5.x runtime names (also what families without a conversion mapping save). */
    NATIVE("transformers-5 native"),
    /** The family's original checkpoint layout, which transformers renames on load and back on save. */
    HUB("legacy hub"),
    /** Tensors of both layouts in one checkpoint. */
    MIXED("mixed"),
    /** The family is unknown, so prefixes could not be interpreted. */
    UNRECOGNIZED("unrecognized");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  public KeyLayout {
    prefixes = List.copyOf(prefixes);
  }

  /** For example {@code legacy hub (visual.*, model.*, lm_head.*)}. */
  public String describe() {
    if (prefixes.isEmpty()) return kind.label;
    return kind.label + prefixes.stream().map(p -> p + "*").collect(Collectors.joining(", ", " (", ")"));
  }
}
