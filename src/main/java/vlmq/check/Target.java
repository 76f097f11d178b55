package vlmq.check;

import vlmq.VlmqException;

/**
 * What a checkpoint is checked against: engine and version, GPU, tensor-parallel size.
 *
 * @param engineVersion as the user gave it ("" when not given)
 * @param vllm the vLLM version the rules evaluate (for other engines, unused)
 */
public record Target(Engine engine, String engineVersion, VllmVersion vllm, Gpu gpu, int tp) {
  public Target {
    if (tp < 1) throw new VlmqException("--tp must be at least 1, got " + tp);
  }

  /** vLLM main on an H100, TP 1. */
  public static Target defaults() {
    return new Target(Engine.VLLM, "", VllmVersion.MAIN, Gpu.H100, 1);
  }

  public Target withVllm(VllmVersion version) {
    return new Target(engine, version.label(), version, gpu, tp);
  }

  public boolean isVllm() {
    return engine == Engine.VLLM;
  }

  /** {@code vLLM main}, {@code vLLM 0.11.1}, {@code SGLang}. */
  public String engineLabel() {
    if (isVllm()) return "vLLM " + vllm.label();
    return engine.displayName() + (engineVersion.isEmpty() ? "" : " " + engineVersion);
  }

  /** {@code vLLM main on H100 (sm 9.0), TP 1}. */
  public String describe() {
    return engineLabel() + " on " + gpu.describe() + ", TP " + tp;
  }
}
