package vlmq.inspect;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * What {@code vlmq inspect} reports about a checkpoint, computed from config files and safetensors headers only.
 *
 * @param lmHeadTied {@code lm_head} shares the embedding matrix and is not stored
 * @param components every component name ({@code vision}, {@code projector}, {@code language}, {@code lm_head},
 *     {@code embeddings}, {@code other}) in that order, present or not
 */
public record Inspection(
    String directory,
    String family,
    String familyName,
    String architecture,
    String keyLayout,
    boolean lmHeadTied,
    long parameters,
    long bytes,
    int tensors,
    int files,
    Map<String, ComponentSummary> components,
    Quantization quantization,
    ServingFiles servingFiles,
    List<String> warnings) {

  /**
   * @param parameters logical weight elements (packed values unpacked; scales and zero points not counted)
   * @param bytes stored bytes, quantization parameters included
   * @param dtypes stored bytes per dtype
   * @param schemes Linear modules per scheme label, e.g. {@code "FP8 per-channel" -> 196}
   */
  public record ComponentSummary(
      long parameters, long bytes, SortedMap<String, Long> dtypes, int linearLayers, SortedMap<String, Integer> schemes) {}

  /**
   * @param method {@code none}, {@code compressed-tensors}, {@code modelopt}, {@code gptq}, {@code awq} or
   *     {@code fp8 (no quantization_config)}, from config files and tensor names
   * @param details what the config says, e.g. config groups or ModelOpt's quant_algo
   */
  public record Quantization(String method, List<String> details) {
    public boolean quantized() {
      return !method.equals("none");
    }
  }
}
