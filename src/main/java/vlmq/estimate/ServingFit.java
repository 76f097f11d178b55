package vlmq.estimate;

/**
 * Whether the model fits one GPU of a tensor-parallel vLLM deployment, following vLLM V1's accounting
 * ({@code Worker.determine_available_memory}): it may use {@code gpu_memory_utilization × total}; from that it takes
 * the weights, the activation peak of its profiling run, memory outside PyTorch and the CUDA-graph estimate; the
 * KV cache gets the rest, in blocks, and must hold at least one sequence of {@code max_model_len} or vLLM refuses to
 * start. Weights and KV heads are split {@code tp} ways; the activation peak and the reserves are per GPU.
 *
 * @param budgetBytes {@code utilization × gpuBytes}
 * @param weightBytes this GPU's share of the served weights ({@code served / tp}: vLLM shards Linear layers,
 *     embeddings and lm_head; the small norms and biases it replicates are not added)
 * @param activationBytes the larger of the language model's and the vision encoder's profiling peaks
 * @param nonTorchBytes CUDA context growth, cuBLAS/NCCL workspaces
 * @param cudaGraphBytes the CUDA-graph pool vLLM sets aside when it captures graphs
 * @param kvBytes what remains for the KV cache (negative when even the rest does not fit)
 * @param maxModelLen the context vLLM reserves for each sequence
 * @param sequenceBytes one sequence of {@code maxModelLen} tokens in the cache (whole blocks, recurrent state)
 * @param maxSequences sequences of {@code maxModelLen} the cache holds at once, at most {@code maxNumSeqs}
 * @param maxNumSeqs vLLM's {@code --max-num-seqs}
 * @param contextAtMaxNumSeqs the longest context each of {@code maxNumSeqs} concurrent sequences can have; null
 *     unless {@code --max-num-seqs} was given
 * @param longestSingleContext the longest context a single sequence can have (what vLLM suggests as
 *     {@code max_model_len} when it refuses)
 */
public record ServingFit(long gpuBytes, double utilization, int tp, long budgetBytes, long weightBytes,
    long activationBytes, long nonTorchBytes, long cudaGraphBytes, long kvBytes, long maxModelLen,
    long sequenceBytes, long maxSequences, long maxNumSeqs, Long contextAtMaxNumSeqs, long longestSingleContext) {

  /** Measured growth outside PyTorch during vLLM's profiling (llm-d capacity planner, H100): TP=1 and TP≥2. */
  static final long NON_TORCH_TP1 = (long) (0.15 * ByteSize.GIB);

  static final long NON_TORCH_TPN = (long) (0.6 * ByteSize.GIB);

  /** An allowance for the CUDA-graph memory pool; vLLM measures it at startup, typically a fraction of a GiB. */
  static final long CUDA_GRAPHS = ByteSize.GIB / 2;

  /** Whether vLLM starts: the cache holds one sequence of {@code maxModelLen} tokens. */
  public boolean fits() {
    return maxSequences >= 1;
  }

  static ServingFit of(long gpuBytes, double utilization, int tp, long servedWeightBytes, long activationBytes,
      KvCache cache, long maxModelLen, long maxNumSeqs, boolean askedConcurrency) {
    long budget = (long) (utilization * gpuBytes);
    long weights = Math.ceilDiv(servedWeightBytes, tp);
    long nonTorch = tp == 1 ? NON_TORCH_TP1 : NON_TORCH_TPN;
    long kv = budget - weights - activationBytes - nonTorch - CUDA_GRAPHS;
    long sequence = cache.bytesPerSequence(maxModelLen);
    long sequences = kv <= 0 ? 0 : Math.min(maxNumSeqs, kv / sequence);
    Long context = !askedConcurrency ? null : kv <= 0 ? 0 : cache.maxTokens(kv / maxNumSeqs, maxModelLen);
    long single = kv <= 0 ? 0 : cache.maxTokens(kv, maxModelLen);
    return new ServingFit(gpuBytes, utilization, tp, budget, weights, activationBytes, nonTorch, CUDA_GRAPHS, kv,
        maxModelLen, sequence, sequences, maxNumSeqs, context, single);
  }
}
