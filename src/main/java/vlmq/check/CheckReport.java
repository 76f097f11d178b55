package vlmq.check;

import java.util.List;
import java.util.Map;

/**
 * What {@code vlmq check} found: the findings for the target, the rules that fire only in other vLLM versions, and the
 * verdict. This record is also the {@code --json} output.
 *
 * @param model family and architecture, e.g. {@code Qwen2.5-VL (Qwen2_5_VLForConditionalGeneration)}
 * @param quantization what the checkpoint declares, e.g. {@code modelopt: FP8, KV FP8 (config.json quantization_config)}
 * @param findings at the target, worst first
 * @param otherVersions findings of rules that do not fire at the target but do in other vLLM versions
 * @param counts findings at the target per severity id
 * @param loads no error at the target
 * @param cleanIn the vLLM versions with neither an error nor a silent fault ("" when none, or not vLLM)
 */
public record CheckReport(String directory, String model, String quantization, String target, List<Finding> findings,
    List<Finding> otherVersions, Map<String, Integer> counts, boolean loads, String cleanIn, String verdict) {
  public CheckReport {
    findings = List.copyOf(findings);
    otherVersions = List.copyOf(otherVersions);
    counts = Map.copyOf(counts);
  }

  /** 0 when the target loads, 1 when an error is predicted (2 is for checkpoints that cannot be read at all). */
  public int exitCode() {
    return loads ? 0 : 1;
  }
}
