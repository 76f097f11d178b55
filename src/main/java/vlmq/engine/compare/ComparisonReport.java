package vlmq.engine.compare;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The result of {@code vlmq compare}: weight error per quantized Linear (null when skipped), the logit comparison of
 * every prompt, their summary, and notes on what the engine could not reproduce of vLLM's numerics. Serialises to
 * JSON as is (Jackson reads records); {@link #text()} is the terminal table.
 */
public record ComparisonReport(String baseline, String quantized, int greedyTokens, WeightSummary weights,
    List<LogitComparison.Result> prompts, Summary summary, List<String> notes) {

  /** The weight comparison: quantized and kept Linears, per-group and per-module errors. */
  public record WeightSummary(int quantized, int kept, List<WeightErrors.Group> groups,
      List<WeightErrors.Linear> linears) {
    static WeightSummary of(WeightErrors.Result r) {
      return new WeightSummary(r.linears().size(), r.kept(), r.groups(), r.linears());
    }
  }

  /**
   * Over all prompts: last-position KL mean and max, all-position KL (mean of the per-prompt means, max of the
   * per-prompt maxima), top-1 agreement over every position and at the last positions, greedy tokens that agree
   * before the first difference (mean) and prompts whose greedy sequences are identical.
   */
  public record Summary(int prompts, double lastKlMean, double lastKlMax, double klMean, double klMax, double top1,
      double lastTop1, double greedyMatchMean, int greedyIdentical) {
    static Summary of(List<LogitComparison.Result> results, int greedyTokens) {
      int positions = results.stream().mapToInt(LogitComparison.Result::positions).sum();
      return new Summary(results.size(),
          results.stream().mapToDouble(LogitComparison.Result::lastKl).average().orElse(0),
          results.stream().mapToDouble(LogitComparison.Result::lastKl).max().orElse(0),
          results.stream().mapToDouble(LogitComparison.Result::meanKl).average().orElse(0),
          results.stream().mapToDouble(LogitComparison.Result::maxKl).max().orElse(0),
          results.stream().mapToDouble(r -> r.top1() * r.positions()).sum() / Math.max(1, positions),
          results.stream().filter(LogitComparison.Result::lastTop1).count() / (double) Math.max(1, results.size()),
          results.stream().mapToInt(LogitComparison.Result::greedyMatch).average().orElse(0),
          (int) results.stream().filter(r -> r.greedyMatch() == greedyTokens).count());
    }
  }

  /** The human-readable report. */
  public String text() {
    var buffer = new StringWriter();
    var out = new PrintWriter(buffer);
    out.printf("baseline   %s%nquantized  %s%n", baseline, quantized);
    if (weights != null) {
      out.printf("%nweights: %d quantized Linear%s, %d kept unquantized; error of the dequantized weight vs the baseline"
          + "%n", weights.quantized, weights.quantized == 1 ? "" : "s", weights.kept);
      out.printf("  %-9s %-22s %4s  %-19s  %-15s  %s%n", "component", "layer type", "n", "rel. error mean/max",
          "SQNR dB mean/min", "format");
      for (WeightErrors.Group g : weights.groups) {
        String format = weights.linears.stream().filter(l -> l.component().equals(g.component())
            && l.type().equals(g.type())).map(WeightErrors.Linear::format).distinct().collect(Collectors.joining("; "));
        out.printf(Locale.ROOT, "  %-9s %-22s %4d  %8.5f / %-8.5f  %6.2f / %-6.2f  %s%n", g.component(), g.type(),
            g.count(), g.meanRelativeError(), g.maxRelativeError(), g.meanSqnrDb(), g.minSqnrDb(), format);
      }
    }
    out.printf("%nlogits: KL(baseline ‖ quantized) in nats per next-token distribution; top-1 = arg-max agreement;"
        + " greedy = leading tokens of %d generated that agree%n", greedyTokens);
    out.printf("  %-18s %4s %4s  %10s %10s %10s  %7s  %7s%n", "prompt", "pos", "img", "KL last", "KL mean", "KL max",
        "top-1", "greedy");
    for (LogitComparison.Result r : prompts) {
      out.printf(Locale.ROOT, "  %-18s %4d %4d  %10.3g %10.3g %10.3g  %6.1f%%  %3d/%-3d%n", r.label(), r.positions(),
          r.images(), r.lastKl(), r.meanKl(), r.maxKl(), 100 * r.top1(), r.greedyMatch(), greedyTokens);
    }
    Summary s = summary;
    out.printf(Locale.ROOT, "%nsummary over %d prompts: last-position KL mean %.3g, max %.3g; all-position KL mean %.3g,"
        + " max %.3g;%n  top-1 agreement %.1f%% of all positions (%.0f%% of last positions); greedy: %d/%d prompts"
        + " identical for %d tokens, %.1f tokens agree on average%n", s.prompts, s.lastKlMean, s.lastKlMax, s.klMean,
        s.klMax, 100 * s.top1, 100 * s.lastTop1, s.greedyIdentical, s.prompts, greedyTokens, s.greedyMatchMean);
    for (String note : notes) out.printf("note: %s%n", note);
    out.flush();
    return buffer.toString();
  }
}
