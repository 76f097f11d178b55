package vlmq.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import vlmq.format.modelopt.QuantAlgo;

/**
 * Kernels: the scheme against the GPU (C1, and R13 for ModelOpt FP8), per-GPU shapes against kernel tiles (R11
 * NVFP4, R16 Marlin/Machete WNA16, R17 CUTLASS FP8) and the tensor-parallel split itself (C2). Column-parallel layers
 * split out_features across GPUs, row-parallel ones in_features.
 */
final class KernelRules {
  private KernelRules() {}

  private static final Set<Integer> MARLIN_GROUPS = Set.of(-1, 32, 64, 128);

  static List<Finding> check(Context c) {
    var out = new ArrayList<Finding>();
    if (c.plan() != null) {
      schemeVsGpu(c, out);
      shapes(c, out);
    }
    tensorParallel(c, out);
    return out;
  }

  private static void schemeVsGpu(Context c, List<Finding> out) {
    var byKind = new LinkedHashMap<LayerScheme.Kind, List<VllmPlan.Decision>>();
    for (var d : c.decisions()) {
      if (d.quantized()) byKind.computeIfAbsent(d.scheme().kind(), k -> new ArrayList<>()).add(d);
    }
    int cc = c.target().gpu().capability();
    var gpu = c.target().gpu().describe();
    var modelOpt = c.m().quant.isModelOpt();
    byKind.forEach((kind, ds) -> {
      var scheme = ds.getFirst().scheme();
      var names = ds.stream().flatMap(d -> d.layer().modules().stream()).toList();
      var fallbackFix = "serve on a GPU with compute capability ≥ " + kind.minCapability / 10 + "."
          + kind.minCapability % 10;
      if (modelOpt && scheme.algo() != null && scheme.algo().isFp8() && scheme.algo() != QuantAlgo.MXFP8 && cc < 89) {
        boolean marlin = c.version().has(VllmChange.MODELOPT_FP8_MARLIN) && cc >= 80;
        out.add(Finding.of("R13", marlin ? Severity.PERF : Severity.ERROR, RuleCatalog.title("R13"), names, marlin
            ? "runs FP8 weight-only through Marlin (activations stay 16-bit) on " + gpu
            : "ValueError: The quantization method modelopt is not supported for the current GPU. Minimum capability:"
                + " 89. Current capability: " + cc + ".", fallbackFix, marlin ? "[T] #33076" : "[S]"));
        return;
      }
      String message = null;
      var severity = Severity.PERF;
      switch (kind) {
        case FP8_W8A8, FP8_BLOCK -> {
          if (cc >= 89) break;
          if (cc >= 80) message = "falls back to CompressedTensorsW8A16Fp8 / Marlin: FP8 weight-only, activations"
              + " stay 16-bit and input scales are ignored";
          else {
            severity = Severity.ERROR;
            message = "RuntimeError: ('Quantization scheme is not supported for ', 'the current GPU. Min capability:"
                + " 80. ', 'Current capability: " + cc + ".')";
          }
        }
        case NVFP4_W4A4 -> {
          if (cc >= 100) break;
          if (cc >= 80) message = modelOpt ? "no CUTLASS FP4 below Blackwell: runs through Marlin FP4 (weight-only,"
              + " activations stay 16-bit)" : "warning 'Current platform does not support cutlass NVFP4. Running"
              + " CompressedTensorsW4A16Fp4.': weight-only, activations stay 16-bit";
          else {
            severity = Severity.ERROR;
            message = "ValueError: Current platform does not support NVFP4 quantization. Please use Blackwell and"
                + " above.";
          }
        }
        case WNA16 -> {
          if (cc >= 80) break;
          message = "no Marlin/Machete below compute capability 8.0: falls back to a slower kernel (Exllama/BitBLAS)"
              + " where one fits";
        }
        case MXFP4, MXFP8 -> {
          if (cc >= 100) break;
          message = "MX formats run natively only on Blackwell; below it vLLM emulates or uses Marlin";
        }
        case FP8_W8A16, NVFP4_W4A16, INT8_W8A8 -> {
          if (cc >= kind.minCapability) break;
          severity = Severity.ERROR;
          message = "RuntimeError: ('Quantization scheme is not supported for ', 'the current GPU. Min capability: "
              + kind.minCapability + ". ', 'Current capability: " + cc + ".')";
        }
        default -> { }
      }
      if (message == null) return;
      out.add(Finding.of("C1", severity, RuleCatalog.title("C1") + ": " + scheme.label() + " on " + gpu, names,
          message, fallbackFix, "[S]"));
    });
  }

  private static void shapes(Context c, List<Finding> out) {
    int tp = c.target().tp();
    var nvfp4 = new ArrayList<String>();
    var marlin = new ArrayList<String>();
    var fp8 = new ArrayList<String>();
    String nvfp4Example = null, marlinExample = null, fp8Example = null;
    for (var d : c.decisions()) {
      if (!d.quantized() || d.layer().in() <= 0 || d.layer().out() <= 0) continue;
      var layer = d.layer();
      long in = layer.inPerRank(tp);
      long out2 = layer.outPerRank(tp);
      var kind = d.scheme().kind();
      if ((kind == LayerScheme.Kind.NVFP4_W4A4 || kind == LayerScheme.Kind.NVFP4_W4A16) && in % 16 != 0) {
        nvfp4.addAll(layer.modules());
        if (nvfp4Example == null) nvfp4Example = layer.vllmName() + ": in_features per GPU = " + in;
      }
      if (kind == LayerScheme.Kind.WNA16) {
        int group = d.scheme().groupSize();
        String reason = null;
        if (out2 % 64 != 0) reason = "Weight output_size_per_partition = " + out2
            + " is not divisible by min_thread_n = 64";
        else if (in % 128 != 0) reason = "Weight input_size_per_partition = " + in
            + " is not divisible by min_thread_k = 128";
        else if (!MARLIN_GROUPS.contains(group) && group != 0) reason = "Marlin does not support group_size = " + group
            + ". Only group_sizes = [-1, 32, 64, 128] are supported.";
        else if (group > 0 && in % group != 0) reason = "Weight input_size_per_partition = " + in
            + " is not divisible by group_size = " + group;
        if (reason != null) {
          marlin.addAll(layer.modules());
          if (marlinExample == null) marlinExample = layer.vllmName() + ": " + reason;
        }
      }
      if ((kind == LayerScheme.Kind.FP8_W8A8 || kind == LayerScheme.Kind.FP8_BLOCK) && c.target().gpu().capability() >= 89
          && (in % 16 != 0 || out2 % 16 != 0)) {
        fp8.addAll(layer.modules());
        if (fp8Example == null) fp8Example = layer.vllmName() + ": [out, in] per GPU = [" + out2 + ", " + in + "]";
      }
    }
    if (!nvfp4.isEmpty()) {
      out.add(Finding.of("R11", Severity.ERROR, RuleCatalog.title("R11"), nvfp4,
          "ValueError: Unsupported model when in features size is not multiple of 16 — " + nvfp4Example,
          tp > 1 ? "use a tensor-parallel size that keeps in_features per GPU a multiple of 16, or keep these"
              + " layers bf16: " + c.quantize(c.schemeName()) : "keep these layers bf16: " + c.quantize(c.schemeName()),
          "[S]"));
    }
    if (!marlin.isEmpty()) {
      var gptq = c.m().quant.isGptqFamily();
      var message = gptq ? "ValueError: " + marlinExample.substring(marlinExample.indexOf(": ") + 2)
          + ". Consider reducing tensor_parallel_size or running with --quantization gptq."
          : "ValueError: Failed to find a kernel that can implement the WNA16 linear layer. Reasons: "
              + "MarlinLinearKernel cannot implement due to: " + marlinExample.substring(marlinExample.indexOf(": ") + 2)
              + " (" + marlinExample.substring(0, marlinExample.indexOf(": ")) + ")";
      out.add(Finding.of("R16", Severity.ERROR, RuleCatalog.title("R16"), marlin, message,
          "keep these layers bf16 (vision MLPs such as 3420 wide cannot be tiled): " + c.quantize(c.schemeName())
              + (tp > 1 ? ", or lower --tp" : ""), "[S]"));
    }
    if (!fp8.isEmpty()) {
      out.add(Finding.of("R17", Severity.PERF, RuleCatalog.title("R17"), fp8,
          "no error: CUTLASS scaled_mm needs multiples of 16, so vLLM falls back to a Triton scaled-mm (slower) — "
              + fp8Example, "keep these layers bf16, or pick a --tp that keeps dimensions multiples of 16", "[S]"));
    }
  }

  private static void tensorParallel(Context c, List<Finding> out) {
    int tp = c.target().tp();
    if (tp == 1) return;
    var bad = new ArrayList<String>();
    String example = null;
    for (var layer : c.m().layers) {
      if (layer.parallel() == Layer.Parallel.REPLICATED || layer.parallel() == Layer.Parallel.EXPERTS) continue;
      for (var s : layer.shards()) {
        var leaf = VllmPlan.leaf(s.module());
        if (leaf.equals("k_proj") || leaf.equals("v_proj")) continue; // vLLM replicates KV heads below the TP size
        long dim = layer.parallel() == Layer.Parallel.ROW ? s.in() : s.out();
        if (dim > 0 && dim % tp != 0 && layer.parallel() != Layer.Parallel.VOCAB) {
          bad.add(s.module());
          if (example == null) example = "AssertionError: " + dim + " is not divisible by " + tp + " ("
              + s.vllmModule() + ", " + (layer.parallel() == Layer.Parallel.ROW ? "in" : "out") + "_features)";
        }
      }
    }
    var heads = new ArrayList<String>();
    int lmHeads = c.m().config.textConfig().path("num_attention_heads").asInt(0);
    if (lmHeads > 0 && lmHeads % tp != 0) {
      heads.add("ValueError: Total number of attention heads (" + lmHeads + ") must be divisible by tensor parallel"
          + " size (" + tp + ").");
    }
    var vision = c.m().config.visionConfig();
    int visionHeads = vision.path("num_heads").asInt(vision.path("num_attention_heads").asInt(0));
    if (visionHeads > 0 && visionHeads % tp != 0) {
      heads.add("AssertionError: " + visionHeads + " is not divisible by " + tp + " (vision attention heads)");
    }
    if (bad.isEmpty() && heads.isEmpty()) return;
    var messages = new ArrayList<>(heads);
    if (example != null) messages.add(example);
    out.add(Finding.of("C2", Severity.ERROR, RuleCatalog.title("C2") + " (--tp " + tp + ")", bad,
        String.join("\n", messages), "choose a --tp that divides the head counts and layer widths", "[S]"));
  }
}
