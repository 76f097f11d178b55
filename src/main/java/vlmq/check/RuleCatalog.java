package vlmq.check;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every rule {@code vlmq check} applies, by id: R1–R24 and P1–P6 are engine-loading-rules.md §6 (P2 and P5 are
 * checked by the R rules that detect their violation), C1–C6 are checks the issue adds (GPU support, tensor-parallel
 * shapes, scale tensors, serving files, heads and embeddings, quantized-but-excluded).
 */
public final class RuleCatalog {
  private RuleCatalog() {}

  private static final Map<String, String> TITLES = new LinkedHashMap<>();

  static {
    TITLES.put("R1", "KV-cache scales under a vision tower (vLLM cannot load them)");
    TITLES.put("R2", "ModelOpt: quantized tower tensors where vLLM forces the tower unquantized");
    TITLES.put("R3", "ModelOpt: bf16 modules the exclusion list fails to match");
    TITLES.put("R4", "compressed-tensors: bf16 modules no ignore entry covers");
    TITLES.put("R5", "fused shards differ in quantization status");
    TITLES.put("R6", "fused shards quantized differently");
    TITLES.put("R7", "quantized tensors on a module vLLM builds unquantizable");
    TITLES.put("R8", "tensors missing for a quantized module");
    TITLES.put("R9", "quantization method or config rejected");
    TITLES.put("R10", "NVFP4 fused shards with unequal global scales");
    TITLES.put("R11", "NVFP4 in_features per GPU not a multiple of 16");
    TITLES.put("R12", "NVFP4 hf_quant_config.json lacks required keys");
    TITLES.put("R13", "ModelOpt FP8 below compute capability 8.9");
    TITLES.put("R14", "compressed-tensors KV-cache scheme unsupported");
    TITLES.put("R15", "language-model KV scales under names vLLM does not map");
    TITLES.put("R16", "WNA16 layer shapes no Marlin/Machete kernel takes");
    TITLES.put("R17", "FP8 layer dimensions not multiples of 16");
    TITLES.put("R18", "config.json and hf_quant_config.json disagree");
    TITLES.put("R19", "ModelOpt FP8 KV cache needs --kv-cache-dtype fp8");
    TITLES.put("R20", "Mllama (Llama 3.2 Vision) is not supported");
    TITLES.put("R21", "architecture not yet supported by this vLLM");
    TITLES.put("R22", "compressed-tensors ignore entries with glob wildcards");
    TITLES.put("R23", "compressed-tensors regexes written against renamed HF prefixes");
    TITLES.put("R24", "GPTQ/AWQ vision tower and the tower's quant config disagree");
    TITLES.put("P1", "vision tower or projector quantized (version-fragile)");
    TITLES.put("P2", "no vision KV scales (checked as R1)");
    TITLES.put("P3", "ModelOpt exclusions not written three ways");
    TITLES.put("P4", "ModelOpt exclusions not in both config.json keys and hf_quant_config.json");
    TITLES.put("P5", "fused shards identical (checked as R5, R6, R10)");
    TITLES.put("P6", "compressed-tensors tower ignores not explicit or unanchored");
    TITLES.put("C1", "quantization scheme vs GPU compute capability");
    TITLES.put("C2", "tensor-parallel split does not divide the layer");
    TITLES.put("C3", "scale or weight tensor with the wrong dtype or shape");
    TITLES.put("C4", "tokenizer, processor or chat template files missing");
    TITLES.put("C5", "lm_head or embeddings quantized where the engine cannot run them");
    TITLES.put("C6", "quantized modules the engine builds unquantized");
  }

  /** Rule ids in catalogue order with their one-line titles. */
  public static Map<String, String> titles() {
    return Map.copyOf(TITLES);
  }

  public static String title(String rule) {
    return TITLES.getOrDefault(rule, rule);
  }

  /** Sort key: catalogue position. */
  static int order(String rule) {
    int i = 0;
    for (var id : TITLES.keySet()) {
      if (id.equals(rule)) return i;
      i++;
    }
    return i;
  }
}
