package vlmq.engine.compare;

import java.util.Set;
import java.util.function.Function;
import vlmq.VlmqException;
import vlmq.engine.qwen.ForwardObserver;
import vlmq.engine.qwen.Prompt;
import vlmq.engine.qwen.QwenVlModel;

/**
 * One prompt through a baseline and a quantized model: the KL divergence {@code KL(P_baseline ‖ P_quantized)} of the
 * next-token distributions (log-softmax in double, nats) at the last and at every position, arg-max (top-1) agreement,
 * and how many tokens of greedy decoding agree before the first difference: an accuracy-recovery proxy that needs no
 * GPU and no benchmark data.
 */
public final class LogitComparison {
  /**
   * @param meanKl the mean over all positions
   * @param top1 the fraction of positions whose arg-max agrees
   * @param greedyMatch leading generated tokens that agree (of {@code baselineTokens.length})
   * @param baselineText the baseline's generated tokens as text, null without a tokenizer
   * @param quantizedText the quantized model's, likewise
   */
  public record Result(String label, int positions, int images, double lastKl, double meanKl, double maxKl,
      double top1, boolean lastTop1, int[] baselineTokens, int[] quantizedTokens, int greedyMatch,
      String baselineText, String quantizedText) {
    public Result {
      baselineTokens = baselineTokens.clone();
      quantizedTokens = quantizedTokens.clone();
    }

    @Override
    public int[] baselineTokens() {
      return baselineTokens.clone();
    }

    @Override
    public int[] quantizedTokens() {
      return quantizedTokens.clone();
    }
  }

  private LogitComparison() {}

  /**
   * Runs {@code prompt} through both models; greedy decoding of {@code greedyTokens} ignores stop tokens.
   *
   * @param detokenize turns generated ids into text, or null
   */
  public static Result compare(QwenVlModel baseline, QwenVlModel quantized, ComparePrompts.Prompt prompt,
      int greedyTokens, Function<int[], String> detokenize) {
    Prompt p = baseline.prompt(prompt.tokenIds(), prompt.images());
    Prompt q = quantized.prompt(prompt.tokenIds(), prompt.images());
    int vocab = baseline.vocabSize();
    if (quantized.vocabSize() != vocab) {
      throw new VlmqException("the models' vocabularies differ (" + vocab + " vs " + quantized.vocabSize()
          + "): compare a checkpoint with its own quantized version");
    }
    float[] pl = baseline.forward(p, ForwardObserver.NONE);
    float[] ql = quantized.forward(q, ForwardObserver.NONE);
    int n = p.length();
    double sum = 0;
    double max = 0;
    double last = 0;
    int agree = 0;
    boolean lastAgrees = false;
    for (int t = 0; t < n; t++) {
      double kl = kl(pl, ql, t * vocab, vocab);
      sum += kl;
      max = Math.max(max, kl);
      boolean same = argmax(pl, t * vocab, vocab) == argmax(ql, t * vocab, vocab);
      agree += same ? 1 : 0;
      if (t == n - 1) {
        last = kl;
        lastAgrees = same;
      }
    }
    int[] bt = greedyTokens == 0 ? new int[0]
        : baseline.generate(p, greedyTokens, Set.of(), ForwardObserver.NONE, token -> {}).tokens();
    int[] qt = greedyTokens == 0 ? new int[0]
        : quantized.generate(q, greedyTokens, Set.of(), ForwardObserver.NONE, token -> {}).tokens();
    int match = 0;
    while (match < bt.length && bt[match] == qt[match]) match++;
    return new Result(prompt.label(), n, prompt.images().size(), last, sum / n, max, (double) agree / n, lastAgrees,
        bt, qt, match, detokenize == null ? null : detokenize.apply(bt),
        detokenize == null ? null : detokenize.apply(qt));
  }

  /** {@code KL(softmax(p) ‖ softmax(q))} over {@code [off, off + n)}, in nats, computed in double. */
  static double kl(float[] p, float[] q, int off, int n) {
    double pMax = Double.NEGATIVE_INFINITY;
    double qMax = Double.NEGATIVE_INFINITY;
    for (int i = off; i < off + n; i++) {
      pMax = Math.max(pMax, p[i]);
      qMax = Math.max(qMax, q[i]);
    }
    double pSum = 0;
    double qSum = 0;
    for (int i = off; i < off + n; i++) {
      pSum += Math.exp(p[i] - pMax);
      qSum += Math.exp(q[i] - qMax);
    }
    double pLog = pMax + Math.log(pSum);
    double qLog = qMax + Math.log(qSum);
    double kl = 0;
    for (int i = off; i < off + n; i++) {
      double logP = p[i] - pLog;
      kl += Math.exp(logP) * (logP - (q[i] - qLog));
    }
    return Math.max(0, kl);
  }

  private static int argmax(float[] x, int off, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (x[off + i] > x[off + best]) best = i;
    }
    return best;
  }
}
