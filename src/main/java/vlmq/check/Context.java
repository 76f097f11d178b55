package vlmq.check;

import java.util.List;
import vlmq.recipe.Preset;
import vlmq.recipe.QuantizationArgs;

/**
 * What a rule sees: the checkpoint, the target, and (for vLLM) what that version builds. Also the fix commands
 * findings quote, so every rule words them alike.
 */
record Context(CheckedModel m, Target target, VllmPlan plan) {
  VllmVersion version() {
    return target.vllm();
  }

  String dir() {
    var name = m.dir.toString();
    return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
  }

  /** {@code vlmq repair <dir> -o <dir>-repaired}: rewrites configs and drops unloadable tensors without requantizing. */
  String repair() {
    return "vlmq repair " + dir() + " -o " + dir() + "-repaired";
  }

  /** Re-quantizing from the original model is the only fix for tensors that must change precision. */
  String quantize(String scheme) {
    return "vlmq quantize <original bf16 model> -o " + dir() + "-requantized --scheme " + scheme;
  }

  /** {@code vlmq convert <dir> --to <format> -o <dir>-<format>}: the same tensors in the other format. */
  String convert(String format) {
    return "vlmq convert " + dir() + " --to " + format + " -o " + dir() + "-" + format;
  }

  /**
   * The data-free preset to re-quantize with, from what the checkpoint declares; for ModelOpt checkpoints with
   * {@code --format modelopt} (static FP8/NVFP4 need calibration, so they come back as FP8_DYNAMIC/NVFP4A16).
   */
  String schemeName() {
    var q = m.quant;
    if (q.modelopt().isPresent()) {
      var algo = q.modelopt().get().algo().orElse(vlmq.format.modelopt.QuantAlgo.FP8);
      var preset = algo.isNvfp4() ? "NVFP4A16" : algo == vlmq.format.modelopt.QuantAlgo.FP8_PB_WO ? "FP8_BLOCK"
          : "FP8_DYNAMIC";
      return preset + " --format modelopt";
    }
    if (q.isGptqFamily()) return "W" + q.node().path("bits").asInt(4) + "A16";
    return q.ct().flatMap(ct -> ct.groups().stream().filter(g -> g.scheme() != null).findFirst())
        .flatMap(g -> java.util.Arrays.stream(Preset.values())
            .filter(p -> same(p.weights(), g.scheme().weights()) && same(p.inputActivations(),
                g.scheme().inputActivations()))
            .findFirst())
        .map(Preset::name).orElse("FP8_DYNAMIC");
  }

  /** Equal in what selects a kernel (observers and dtypes aside). */
  private static boolean same(QuantizationArgs a, QuantizationArgs b) {
    if (a == null || b == null) return a == b;
    return a.numBits() == b.numBits() && a.type() == b.type() && a.strategy() == b.strategy()
        && java.util.Objects.equals(a.groupSize(), b.groupSize()) && a.symmetric() == b.symmetric()
        && a.dynamic() == b.dynamic();
  }

  /** The decisions of layers matching a filter, in layer order. */
  List<VllmPlan.Decision> decisions() {
    return plan.decisions;
  }
}
