package vlmq.check;

/**
 * vLLM changes that alter how a quantized VLM loads (engine-loading-rules §1.4, §5; merge dates exact, first release
 * approximate: a PR merged within about a week of a release is placed in the next one).
 */
public enum VllmChange {
  CT_IGNORE_MAPPED("#20046", "2025-07-01", 0, 10, 0,
      "compressed-tensors ignore/targets pass through the model's hf_to_vllm_mapper"),
  READS_HF_QUANT_CONFIG("#22073", "2025-08-04", 0, 10, 1,
      "hf_quant_config.json read automatically when config.json has no quantization_config"),
  QWEN2_5_VL_PACKED_MAPPING("#23512", "2025-08-24", 0, 10, 2,
      "Qwen2.5-VL gains packed_modules_mapping (shard names match fused layers)"),
  MODELOPT_EXCLUDES_MAPPED("#24178", "2025-09-10", 0, 11, 0,
      "ModelOpt exclude_modules mapped through hf_to_vllm_mapper, exact matching added"),
  MLLAMA_REMOVED("#24907", "2025-09-15", 0, 11, 0, "V0 engine removed, Mllama deleted"),
  QWEN3_VL_ADDED("#24727", "2025-09-17", 0, 11, 0, "Qwen3-VL supported"),
  MODELOPT_TOWER_UNQUANTIZED("#22771", "2025-09-19", 0, 11, 0,
      "ModelOpt forces prefixes containing vision_tower/vision_model unquantized"),
  GPTQ_MODULE_LIST("#25455", "2025-09-26", 0, 11, 1,
      "GPTQ follows modules_in_block_to_quantize; Qwen-VL towers receive the GPTQ config"),
  MODELOPT_CONFIG_JSON_IGNORE("#25706", "2025-09-29", 0, 11, 1,
      "ModelOpt reads 'ignore' (not 'exclude_modules') from the config.json form"),
  MODELOPT_FNMATCH("#28076", "2025-11-19", 0, 12, 0, "ModelOpt exclusions also matched with fnmatch wildcards"),
  MODELOPT_STAR_SPLIT("#30164", "2025-12-14", 0, 13, 0,
      "ModelOpt 'X*' exclusions split into 'X' and 'X.*' before mapping"),
  KV_DTYPE_FROM_CHECKPOINT("#29980/#30785", "2025-12-17", 0, 14, 0,
      "kv-cache-dtype auto resolves FP8 from the checkpoint's ModelOpt KV algo"),
  MODELOPT_FP8_MARLIN("#33076", "2026-01", 0, 15, 0, "ModelOpt FP8 runs through Marlin below SM 8.9"),
  QWEN3_5_ADDED("#34110", "2026-02-09", 0, 16, 0, "Qwen3.5 supported"),
  MAIN_2026_05("main@2026-05", "2026-05-14", 0, 22, 0,
      "ModelOpt algos FP8_PER_CHANNEL_PER_TOKEN/FP8_PB_WO/W4A16_NVFP4/MXFP8/MIXED_PRECISION, "
          + "quantized lm_head, more compressed-tensors KV schemes"),
  MODELOPT_VISUAL_UNQUANTIZED("upstream main", "after 2026-05-12", Integer.MAX_VALUE, 0, 0,
      "ModelOpt also forces prefixes containing 'visual' unquantized");

  private final String pr;
  private final String merged;
  private final VllmVersion since;
  private final String summary;

  VllmChange(String pr, String merged, int major, int minor, int patch, String summary) {
    this.pr = pr;
    this.merged = merged;
    this.since = new VllmVersion(major, minor, patch);
    this.summary = summary;
  }

  public String pr() {
    return pr;
  }

  public String merged() {
    return merged;
  }

  /** The first version (approximately) that has the change. */
  public VllmVersion since() {
    return since;
  }

  public String summary() {
    return summary;
  }
}
