package vlmq.engine.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import vlmq.VlmqException;
import vlmq.engine.tensor.LinearWeights;
import vlmq.engine.tensor.Parallel;
import vlmq.engine.tensor.QuantizedWeights;
import vlmq.engine.tensor.Weights;
import vlmq.model.Component;

/**
 * How far each quantized Linear's dequantized weight lies from the baseline's: the relative Frobenius error
 * {@code ‖Ŵ − W‖ / ‖W‖} and the signal-to-quantization-noise ratio {@code 10·log10(‖W‖² / ‖Ŵ − W‖²)} dB, per module
 * and summarised per component and layer type (q_proj, mlp.down_proj, attn.qkv, …). Both weights are read row by row
 * from their mappings; sums are in double.
 */
public final class WeightErrors {
  private static final Pattern NUMBERED = Pattern.compile("(.*?)\\.(?:layers|blocks)\\.(\\d+)\\.(.+)");

  /**
   * One quantized Linear.
   *
   * @param component the {@link Component} id: language, vision, projector, lm_head
   * @param layer the decoder layer or vision block index, -1 outside numbered layers
   * @param type the module's name within its layer ({@code self_attn.q_proj}), or its trailing name
   */
  public record Linear(String module, String component, int layer, String type, int rows, int cols, String format,
      double relativeError, double sqnrDb) {}

  /** The modules of one component and layer type. */
  public record Group(String component, String type, int count, double meanRelativeError, double maxRelativeError,
      double meanSqnrDb, double minSqnrDb) {}

  /**
   * @param kept Linears stored unquantized in the quantized checkpoint (ignored by the recipe)
   */
  public record Result(List<Linear> linears, List<Group> groups, int kept) {}

  private WeightErrors() {}

  /** Compares every Linear of {@code baseline} with the same module of {@code quantized}. */
  public static Result measure(Weights baseline, Weights quantized) {
    var linears = new ArrayList<Linear>();
    int kept = 0;
    for (Weights.LinearModule m : baseline.linearModules()) {
      LinearWeights base = baseline.linear(m.name() + ".weight", m.rows(), m.cols());
      if (base instanceof QuantizedWeights) {
        throw new VlmqException("the baseline " + baseline.dir() + " stores " + m.name() + " quantized: compare"
            + " against the unquantized checkpoint");
      }
      LinearWeights q = quantized.linear(m.name() + ".weight", m.rows(), m.cols());
      if (!(q instanceof QuantizedWeights qw)) {
        kept++;
        continue;
      }
      double[] sums = errorSums(base, q, m.rows(), m.cols());
      Matcher numbered = NUMBERED.matcher(m.name());
      int layer = numbered.matches() ? Integer.parseInt(numbered.group(2)) : -1;
      String type = numbered.matches() ? numbered.group(3) : trailingName(m.name());
      linears.add(new Linear(m.name(), m.component().id(), layer, type, m.rows(), m.cols(), qw.describe(),
          Math.sqrt(sums[1] / sums[0]), 10 * Math.log10(sums[0] / sums[1])));
    }
    return new Result(linears, groups(linears), kept);
  }

  /** {@code [‖W‖², ‖Ŵ − W‖²]}. */
  private static double[] errorSums(LinearWeights base, LinearWeights q, int rows, int cols) {
    double[][] partial = new double[Parallel.chunks()][2];
    Parallel.forRange(rows, cols, (chunk, from, to) -> {
      float[] a = new float[cols];
      float[] b = new float[cols];
      for (int o = from; o < to; o++) {
        base.readRow(o, a, 0);
        q.readRow(o, b, 0);
        for (int i = 0; i < cols; i++) {
          double d = (double) b[i] - a[i];
          partial[chunk][0] += (double) a[i] * a[i];
          partial[chunk][1] += d * d;
        }
      }
    });
    double[] total = new double[2];
    for (double[] p : partial) {
      total[0] += p[0];
      total[1] += p[1];
    }
    return total;
  }

  private static String trailingName(String module) {
    String[] parts = module.split("\\.");
    return parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : module;
  }

  private static List<Group> groups(List<Linear> linears) {
    Map<String, List<Linear>> byKey = new LinkedHashMap<>();
    for (Linear l : linears) byKey.computeIfAbsent(l.component() + " " + l.type(), k -> new ArrayList<>()).add(l);
    var out = new ArrayList<Group>();
    for (List<Linear> members : byKey.values()) {
      Linear first = members.getFirst();
      out.add(new Group(first.component(), first.type(), members.size(),
          members.stream().mapToDouble(Linear::relativeError).average().orElse(0),
          members.stream().mapToDouble(Linear::relativeError).max().orElse(0),
          members.stream().mapToDouble(Linear::sqnrDb).average().orElse(0),
          members.stream().mapToDouble(Linear::sqnrDb).min().orElse(0)));
    }
    return out;
  }
}
