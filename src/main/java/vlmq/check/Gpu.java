package vlmq.check;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import vlmq.VlmqException;

/**
 * The GPU a checkpoint is meant for, reduced to what kernels select on: the CUDA compute capability, written as vLLM
 * writes it ({@code 89} for 8.9).
 */
public record Gpu(String name, int capability) {
  /** vLLM's default target here: a generic Hopper card. */
  public static final Gpu H100 = new Gpu("H100", 90);

  private record Known(String key, String name, int capability) {}

  /** Longest keys first, so A100 is not taken for A10. */
  private static final List<Known> KNOWN = List.of(
      new Known("RTXPRO6000", "RTX PRO 6000 Blackwell", 120),
      new Known("RTX6000ADA", "RTX 6000 Ada", 89),
      new Known("RTXA6000", "RTX A6000", 86),
      new Known("RTX5090", "RTX 5090", 120),
      new Known("RTX5080", "RTX 5080", 120),
      new Known("RTX4090", "RTX 4090", 89),
      new Known("RTX4080", "RTX 4080", 89),
      new Known("RTX3090", "RTX 3090", 86),
      new Known("GH200", "GH200", 90),
      new Known("GB300", "GB300", 103),
      new Known("GB200", "GB200", 100),
      new Known("GB10", "GB10 (DGX Spark)", 121),
      new Known("H200", "H200", 90),
      new Known("H100", "H100", 90),
      new Known("H800", "H800", 90),
      new Known("H20", "H20", 90),
      new Known("B300", "B300", 103),
      new Known("B200", "B200", 100),
      new Known("B100", "B100", 100),
      new Known("L40S", "L40S", 89),
      new Known("L40", "L40", 89),
      new Known("L4", "L4", 89),
      new Known("A100", "A100", 80),
      new Known("A800", "A800", 80),
      new Known("A30", "A30", 80),
      new Known("A40", "A40", 86),
      new Known("A10G", "A10G", 86),
      new Known("A10", "A10", 86),
      new Known("T4", "T4", 75),
      new Known("V100", "V100", 70));

  private static final Pattern CAPABILITY = Pattern.compile("(?:sm_?)?(\\d{1,2})\\.?(\\d)");

  /** A GPU by marketing name ({@code H100}, {@code NVIDIA L40S}, {@code rtx 4090}). */
  public static Gpu named(String value) {
    var key = value == null ? "" : value.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "").replace("NVIDIA", "")
        .replace("GEFORCE", "");
    for (var known : KNOWN) {
      if (key.startsWith(known.key())) return new Gpu(known.name(), known.capability());
    }
    throw new VlmqException("unknown GPU '" + value + "': name one of "
        + KNOWN.stream().map(Known::name).collect(Collectors.joining(", "))
        + ", or pass --compute-capability X.Y instead");
  }

  /** A GPU by compute capability, {@code 8.9}, {@code 9.0}, {@code 10.0} or {@code sm_90}. */
  public static Gpu ofCapability(String value) {
    var text = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    var m = CAPABILITY.matcher(text);
    if (!m.matches()) {
      throw new VlmqException("cannot read compute capability '" + value + "': write it as 8.9, 9.0 or 10.0");
    }
    int capability = Integer.parseInt(m.group(1)) * 10 + Integer.parseInt(m.group(2));
    return new Gpu("sm_" + capability, capability);
  }

  /** {@code 9.0}. */
  public String capabilityLabel() {
    return capability / 10 + "." + capability % 10;
  }

  /** {@code H100 (sm 9.0)}. */
  public String describe() {
    return name.startsWith("sm_") ? "a GPU with compute capability " + capabilityLabel()
        : name + " (sm " + capabilityLabel() + ")";
  }
}
