package vlmq.check;

import static vlmq.model.Component.LANGUAGE;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import vlmq.format.modelopt.QuantAlgo;
import vlmq.numeric.DType;
import vlmq.recipe.Preset;

/**
 * One small checkpoint per rule that triggers it and one that passes, each with the target it is checked against.
 * The fixtures are Qwen2.5-VL (hub layout) unless named otherwise; "safe" is what vlmq's producer rules write.
 */
final class RuleCases {
  private RuleCases() {}

  /** A named checkpoint recipe. */
  record Fixture(String name, Supplier<CheckpointBuilder> build) {
    @Override
    public String toString() {
      return name;
    }
  }

  /**
   * @param severity the severity the trigger must report
   * @param fragment text the trigger's finding must contain
   */
  record Case(String rule, Fixture trigger, Target triggerTarget, Fixture pass, Target passTarget, Severity severity,
      String fragment) {
    @Override
    public String toString() {
      return rule + ": " + trigger.name();
    }
  }

  static final Target MAIN = Target.defaults();

  static Target vllm(String version) {
    return MAIN.withVllm(VllmVersion.parse(version));
  }

  static Target gpu(String name) {
    return new Target(Engine.VLLM, "main", VllmVersion.MAIN, Gpu.named(name), 1);
  }

  static Target tp(int n) {
    return new Target(Engine.VLLM, "main", VllmVersion.MAIN, Gpu.H100, n);
  }

  /** Exclusions written every way producer rules 3–4 ask: exact names, prefix pair, bare token, lm_head. */
  static List<String> safeExclusions(CheckpointBuilder b) {
    var list = new ArrayList<>(List.of("lm_head", "model.visual", "model.visual.*", "visual."));
    list.addAll(b.tower());
    return list;
  }

  /** ModelOpt FP8 + FP8 KV on the language model, tower bf16, exclusions in every place. */
  static CheckpointBuilder modelOptSafe() {
    var b = CheckpointBuilder.family("qwen2_5_vl");
    var exclusions = safeExclusions(b);
    return b.modelOpt(QuantAlgo.FP8, b.linear(LANGUAGE)).modelOptKvScales(b.attention(LANGUAGE))
        .modelOptConfigs("FP8", "FP8", exclusions).excludeModulesInConfigJson();
  }

  static CheckpointBuilder nvfp4(float kScale2) {
    var b = CheckpointBuilder.family("qwen2_5_vl");
    var exclusions = safeExclusions(b);
    b.modelOpt(QuantAlgo.NVFP4, b.linear(LANGUAGE)).modelOptConfigs("NVFP4", null, exclusions)
        .excludeModulesInConfigJson();
    return b.value("model.layers.0.self_attn.k_proj.weight_scale_2", kScale2);
  }

  /** compressed-tensors {@code preset} on the language model; the tower listed by name in ignore. */
  static CheckpointBuilder ctSafe(Preset preset) {
    var b = CheckpointBuilder.family("qwen2_5_vl");
    var ignore = new ArrayList<>(b.tower());
    ignore.add("lm_head");
    return b.compressedTensors(preset, b.linear(LANGUAGE)).compressedTensorsConfig(preset, ignore);
  }

  static CheckpointBuilder ct(Preset preset, List<String> ignore) {
    var b = CheckpointBuilder.family("qwen2_5_vl");
    return b.compressedTensors(preset, b.linear(LANGUAGE)).compressedTensorsConfig(preset, ignore);
  }

  static CheckpointBuilder gptq(boolean tower) {
    var b = CheckpointBuilder.family("qwen2_5_vl");
    var modules = new ArrayList<>(b.linear(LANGUAGE));
    if (tower) modules.addAll(b.tower());
    b.gptq(4, modules).config(c -> c.putObject("quantization_config").put("quant_method", "gptq").put("bits", 4)
        .put("group_size", -1).put("desc_act", false).put("sym", true));
    return b;
  }

  static Fixture f(String name, Supplier<CheckpointBuilder> build) {
    return new Fixture(name, build);
  }

  static final Fixture MODELOPT_SAFE = f("qwen2.5-vl modelopt-fp8 safe-exclusions", RuleCases::modelOptSafe);
  static final Fixture CLASSIC_A = f("qwen2.5-vl modelopt-fp8 classic-A (exclude lm_head, model.visual*)",
      ClassicCaseTest::caseA);
  static final Fixture CT_W4A16_SAFE = f("qwen2.5-vl ct-w4a16 tower-ignored-by-name", () -> ctSafe(Preset.W4A16));
  static final Fixture CT_FP8_SAFE = f("qwen2.5-vl ct-fp8-dynamic tower-ignored-by-name",
      () -> ctSafe(Preset.FP8_DYNAMIC));

  static List<Case> all() {
    var cases = new ArrayList<Case>();
    cases.add(new Case("R1", f("qwen2.5-vl modelopt-fp8 safe + vision k_proj.k_scale/v_proj.v_scale", () -> {
      var b = modelOptSafe();
      return b.modelOptKvScales(List.of("visual.blocks.0.attn", "visual.blocks.1.attn"));
    }), MAIN, MODELOPT_SAFE, MAIN, Severity.ERROR, "KeyError: 'blocks.0.attn.k_proj.k_scale'"));
    cases.add(new Case("R2", f("llava modelopt-fp8 tower quantized, exclude [lm_head]", () -> {
      var b = CheckpointBuilder.family("llava");
      var all = new ArrayList<>(b.linear(LANGUAGE));
      all.addAll(b.tower());
      return b.modelOpt(QuantAlgo.FP8, all).modelOptConfigs("FP8", null, List.of("lm_head"));
    }), MAIN, f("llava modelopt-fp8 tower bf16, exclude [lm_head, vision_tower*, multi_modal_projector*]", () -> {
      var b = CheckpointBuilder.family("llava");
      return b.modelOpt(QuantAlgo.FP8, b.linear(LANGUAGE))
          .modelOptConfigs("FP8", null, List.of("lm_head", "vision_tower*", "multi_modal_projector*"));
    }), MAIN, Severity.ERROR, "KeyError: 'vision_model.encoder.layers.0"));
    cases.add(new Case("R3", CLASSIC_A, vllm("0.11.1"), CLASSIC_A, MAIN, Severity.SILENT,
        "'model.visual*' → ['language_model.model.visual*']"));
    cases.add(new Case("R4", f("qwen2.5-vl ct-w4a16 ignore [lm_head] (tower bf16)",
        () -> ct(Preset.W4A16, List.of("lm_head"))), MAIN, CT_W4A16_SAFE, MAIN, Severity.ERROR,
        "KeyError: 'blocks.0.attn.proj.weight'"));
    cases.add(new Case("R5", f("qwen2.5-vl modelopt-fp8 safe, layer 0 up_proj left bf16", () -> {
      var b = CheckpointBuilder.family("qwen2_5_vl");
      var exclusions = safeExclusions(b);
      var lm = b.linear(LANGUAGE).stream().filter(m -> !m.equals("model.layers.0.mlp.up_proj")).toList();
      return b.modelOpt(QuantAlgo.FP8, lm).modelOptConfigs("FP8", null, exclusions).excludeModulesInConfigJson();
    }), MAIN, MODELOPT_SAFE, MAIN, Severity.SILENT, "up_proj weight BF16"));
    cases.add(new Case("R5", f("qwen2.5-vl modelopt-fp8 safe + exclusion names layer 0 gate_proj only", () -> {
      var b = modelOptSafe();
      b.quantizationConfig().withArray("ignore").add("model.layers.0.mlp.gate_proj");
      return b;
    }), MAIN, MODELOPT_SAFE, MAIN, Severity.ERROR, "Detected some but not all shards"));
    cases.add(new Case("R6", f("qwen2.5-vl ct-fp8-dynamic, layer 0 k_proj stored W8A16 under its own group", () -> {
      var b = ctSafe(Preset.FP8_DYNAMIC);
      b.remove(n -> n.startsWith("model.layers.0.self_attn.k_proj.weight"));
      b.put("model.layers.0.self_attn.k_proj.weight", DType.BF16, 64, 128)
          .compressedTensors(Preset.W8A16, List.of("model.layers.0.self_attn.k_proj"));
      var group = vlmq.recipe.RecipeJson.toJson(Preset.W8A16.scheme(List.of("re:.*layers\\.0\\.self_attn\\.k_proj$"))
          .withInferredFormat());
      b.quantizationConfig().with("config_groups").set("group_1", group);
      return b;
    }), MAIN, CT_FP8_SAFE, MAIN, Severity.SILENT, "config groups"));
    cases.add(new Case("R7", f("qwen2.5-vl modelopt-fp8 safe + patch_embed stored FP8", () -> {
      var b = modelOptSafe();
      var shape = b.shape("visual.patch_embed.proj.weight");
      return b.put("visual.patch_embed.proj.weight", DType.F8_E4M3, shape)
          .put("visual.patch_embed.proj.weight_scale", DType.F32);
    }), MAIN, MODELOPT_SAFE, MAIN, Severity.ERROR, "patch_embed.proj.weight_scale"));
    cases.add(new Case("R8", f("qwen2.5-vl modelopt-fp8 safe minus layer 0 q_proj.input_scale",
        () -> modelOptSafe().remove(n -> n.equals("model.layers.0.self_attn.q_proj.input_scale"))),
        MAIN, MODELOPT_SAFE, MAIN, Severity.SILENT, "model.layers.0.self_attn.q_proj.input_scale"));
    cases.add(new Case("R9", f("qwen2.5-vl modelopt quant_algo INT8_SQ", () -> {
      var b = modelOptSafe();
      b.quantizationConfig().put("quant_algo", "INT8_SQ");
      return b;
    }), MAIN, MODELOPT_SAFE, MAIN, Severity.ERROR, "ModelOpt currently only supports"));
    cases.add(new Case("R9", f("qwen2.5-vl quant_method 'mystery'", () -> {
      var b = modelOptSafe();
      b.quantizationConfig().put("quant_method", "mystery");
      return b;
    }), MAIN, MODELOPT_SAFE, MAIN, Severity.ERROR, "Unknown quantization method: mystery"));
    cases.add(new Case("R10", f("qwen2.5-vl modelopt-nvfp4, layer 0 k_proj weight_scale_2 differs from q/v",
        () -> nvfp4(2f / 448)), MAIN, f("qwen2.5-vl modelopt-nvfp4 shared global scales", () -> nvfp4(1f / 448)),
        MAIN, Severity.SILENT, "weight_scale_2"));
    cases.add(new Case("R11", f("qwen2.5-vl modelopt-nvfp4, layer 0 down_proj in_features 264", () -> {
      var b = CheckpointBuilder.family("qwen2_5_vl");
      var exclusions = safeExclusions(b);
      b.resize("model.layers.0.mlp.down_proj", 128, 264);
      return b.modelOpt(QuantAlgo.NVFP4, b.linear(LANGUAGE)).modelOptConfigs("NVFP4", null, exclusions)
          .excludeModulesInConfigJson();
    }), MAIN, f("qwen2.5-vl modelopt-nvfp4 shared global scales", () -> nvfp4(1f / 448)), MAIN, Severity.ERROR,
        "not multiple of 16"));
    cases.add(new Case("R12", f("qwen2.5-vl modelopt-nvfp4 hf_quant_config.json only, no group_size", () -> {
      var b = nvfp4(1f / 448).withoutConfigQuantization();
      return b.file("hf_quant_config.json", "{\"producer\": {\"name\": \"modelopt\", \"version\": \"0.33.1\"},"
          + " \"quantization\": {\"quant_algo\": \"NVFP4\", \"kv_cache_quant_algo\": null,"
          + " \"exclude_modules\": [\"lm_head\", \"visual.\"]}}");
    }), MAIN, f("qwen2.5-vl modelopt-nvfp4 hf_quant_config.json only, all keys",
        () -> nvfp4(1f / 448).withoutConfigQuantization()), MAIN, Severity.ERROR,
        "NVFP4 quantization requires the following fields"));
    cases.add(new Case("R13", MODELOPT_SAFE, new Target(Engine.VLLM, "0.11.1", VllmVersion.parse("0.11.1"),
        Gpu.named("A100"), 1), MODELOPT_SAFE, gpu("L40S"), Severity.ERROR, "Minimum capability: 89"));
    cases.add(new Case("R14", f("qwen2.5-vl ct-fp8-dynamic kv_cache_scheme strategy channel", () -> {
      var b = ctSafe(Preset.FP8_DYNAMIC);
      b.quantizationConfig().putObject("kv_cache_scheme").put("num_bits", 8).put("type", "float")
          .put("strategy", "channel").put("symmetric", true).put("dynamic", false);
      return b;
    }), MAIN, f("qwen2.5-vl ct-fp8-dynamic kv_cache_scheme fp8 tensor", () -> {
      var b = ctSafe(Preset.FP8_DYNAMIC);
      b.quantizationConfig().putObject("kv_cache_scheme").put("num_bits", 8).put("type", "float")
          .put("strategy", "tensor").put("symmetric", true).put("dynamic", false);
      return b;
    }), MAIN, Severity.ERROR, "Only support per-tensor scaling factor"));
    cases.add(new Case("R15", f("qwen2.5-vl modelopt-fp8 safe + k_scale on layer 0 q_proj",
        () -> modelOptSafe().put("model.layers.0.self_attn.q_proj.k_scale", DType.F32)), MAIN, MODELOPT_SAFE, MAIN,
        Severity.SILENT, "k_scale is not loaded"));
    cases.add(new Case("R16", CT_W4A16_SAFE, tp(2), CT_W4A16_SAFE, MAIN, Severity.ERROR,
        "input_size_per_partition = 64 is not divisible by min_thread_k = 128"));
    cases.add(new Case("R16", f("qwen2.5-vl ct-w4a16, layer 0 o_proj out_features 96", () -> {
      var b = CheckpointBuilder.family("qwen2_5_vl");
      var ignore = new ArrayList<>(b.tower());
      ignore.add("lm_head");
      b.resize("model.layers.0.self_attn.o_proj", 96, 128);
      return b.compressedTensors(Preset.W4A16, b.linear(LANGUAGE)).compressedTensorsConfig(Preset.W4A16, ignore);
    }), MAIN, CT_W4A16_SAFE, MAIN, Severity.ERROR, "output_size_per_partition = 96 is not divisible by min_thread_n"));
    cases.add(new Case("R17", f("qwen2.5-vl ct-fp8-dynamic, layer 0 down_proj in_features 264", () -> {
      var b = CheckpointBuilder.family("qwen2_5_vl");
      var ignore = new ArrayList<>(b.tower());
      ignore.add("lm_head");
      b.resize("model.layers.0.mlp.down_proj", 128, 264);
      return b.compressedTensors(Preset.FP8_DYNAMIC, b.linear(LANGUAGE))
          .compressedTensorsConfig(Preset.FP8_DYNAMIC, ignore);
    }), MAIN, CT_FP8_SAFE, MAIN, Severity.PERF, "Triton"));
    cases.add(new Case("R18", f("qwen2.5-vl modelopt-fp8 safe, hf_quant_config.json says NVFP4", () -> {
      var b = modelOptSafe();
      return b.file("hf_quant_config.json", "{\"producer\": {\"name\": \"modelopt\", \"version\": \"0.33.1\"},"
          + " \"quantization\": {\"quant_algo\": \"NVFP4\", \"kv_cache_quant_algo\": \"FP8\", \"group_size\": 16,"
          + " \"exclude_modules\": " + b.quantizationConfig().get("ignore") + "}}");
    }), MAIN, MODELOPT_SAFE, MAIN, Severity.SILENT, "quant_algo NVFP4 vs FP8"));
    cases.add(new Case("R19", MODELOPT_SAFE, vllm("0.11.1"), MODELOPT_SAFE, MAIN, Severity.PERF,
        "--kv-cache-dtype auto"));
    cases.add(new Case("R20", f("mllama bf16", () -> CheckpointBuilder.family("mllama")), MAIN,
        f("qwen2.5-vl bf16", () -> CheckpointBuilder.family("qwen2_5_vl")), MAIN, Severity.ERROR,
        "MllamaForConditionalGeneration"));
    cases.add(new Case("R21", f("qwen3-vl bf16", () -> CheckpointBuilder.family("qwen3_vl")), vllm("0.10.2"),
        f("qwen3-vl bf16", () -> CheckpointBuilder.family("qwen3_vl")), vllm("0.11.0"), Severity.ERROR,
        "are not supported for now"));
    cases.add(new Case("R22", f("qwen2.5-vl ct-w4a16 ignore [lm_head, visual.*]",
        () -> ct(Preset.W4A16, List.of("lm_head", "visual.*"))), MAIN, CT_W4A16_SAFE, MAIN, Severity.ERROR,
        "no glob syntax"));
    cases.add(new Case("R23", f("qwen2.5-vl (transformers-5 names) ct-w4a16 ignore [lm_head, re:model\\.visual\\..*]",
        () -> {
          var b = CheckpointBuilder.family("qwen2_5_vl_native");
          return b.compressedTensors(Preset.W4A16, b.linear(LANGUAGE))
              .compressedTensorsConfig(Preset.W4A16, List.of("lm_head", "re:model\\.visual\\..*"));
        }), MAIN, f("qwen2.5-vl (transformers-5 names) ct-w4a16 ignore [lm_head, re:.*visual.*]", () -> {
          var b = CheckpointBuilder.family("qwen2_5_vl_native");
          return b.compressedTensors(Preset.W4A16, b.linear(LANGUAGE))
              .compressedTensorsConfig(Preset.W4A16, List.of("lm_head", "re:.*visual.*"));
        }), MAIN, Severity.ERROR, "never mapped"));
    cases.add(new Case("R24", f("qwen2.5-vl gptq-4bit tower quantized too", () -> gptq(true)), vllm("0.10.2"),
        f("qwen2.5-vl gptq-4bit language model only", () -> gptq(false)), vllm("0.10.2"), Severity.ERROR,
        "KeyError: 'blocks.0.attn.proj.qweight'"));
    cases.add(new Case("P1", f("qwen2.5-vl modelopt-fp8 tower quantized, exclude [lm_head], no vision KV", () -> {
      var b = CheckpointBuilder.family("qwen2_5_vl");
      var tower = b.tower();
      return b.modelOpt(QuantAlgo.FP8, b.linear(LANGUAGE)).modelOpt(QuantAlgo.FP8, tower)
          .modelOptConfigs("FP8", null, List.of("lm_head"));
    }), vllm("0.16.0"), MODELOPT_SAFE, vllm("0.16.0"), Severity.INFO, "version"));
    cases.add(new Case("P3", CLASSIC_A, MAIN, MODELOPT_SAFE, MAIN, Severity.INFO, "prefix"));
    cases.add(new Case("P4", CLASSIC_A, MAIN, MODELOPT_SAFE, MAIN, Severity.INFO, "no 'exclude_modules'"));
    cases.add(new Case("P6", f("qwen2.5-vl ct-fp8-dynamic ignore [lm_head, re:visual.*]",
        () -> ct(Preset.FP8_DYNAMIC, List.of("lm_head", "re:visual.*"))), MAIN, CT_FP8_SAFE, MAIN, Severity.INFO,
        "anchored regex"));
    cases.add(new Case("C1", CT_FP8_SAFE, gpu("A100"), CT_FP8_SAFE, MAIN, Severity.PERF, "CompressedTensorsW8A16Fp8"));
    cases.add(new Case("C1", f("qwen2.5-vl modelopt-nvfp4", () -> nvfp4(1f / 448)), gpu("T4"),
        f("qwen2.5-vl modelopt-nvfp4", () -> nvfp4(1f / 448)), gpu("B200"), Severity.ERROR,
        "Please use Blackwell and above"));
    cases.add(new Case("C2", MODELOPT_SAFE, tp(3), MODELOPT_SAFE, tp(2), Severity.ERROR,
        "Total number of attention heads (4) must be divisible by tensor parallel size (3)"));
    cases.add(new Case("C3", f("qwen2.5-vl modelopt-fp8 safe, layer 0 o_proj.weight_scale stored [128]",
        () -> modelOptSafe().put("model.layers.0.self_attn.o_proj.weight_scale", DType.F32, 128)), MAIN,
        MODELOPT_SAFE, MAIN, Severity.ERROR, "o_proj.weight_scale is F32[128]"));
    cases.add(new Case("C4", f("qwen2.5-vl modelopt-fp8 safe without preprocessor_config.json",
        () -> modelOptSafe().withoutFile("preprocessor_config.json")), MAIN, MODELOPT_SAFE, MAIN, Severity.ERROR,
        "preprocessor_config.json"));
    cases.add(new Case("C5", f("qwen2.5-vl modelopt-fp8 lm_head quantized", () -> {
      var b = CheckpointBuilder.family("qwen2_5_vl");
      var modules = new ArrayList<>(b.linear(LANGUAGE));
      modules.add("lm_head");
      return b.modelOpt(QuantAlgo.FP8, modules).modelOptConfigs("FP8", null, List.of("visual."))
          .excludeModulesInConfigJson();
    }), vllm("0.11.1"), MODELOPT_SAFE, vllm("0.11.1"), Severity.ERROR, "lm_head"));
    cases.add(new Case("C6", f("qwen2.5-vl modelopt-fp8 safe + exclusion lists FP8 layer 1 down_proj", () -> {
      var b = modelOptSafe();
      b.quantizationConfig().withArray("ignore").add("model.layers.1.mlp.down_proj");
      return b;
    }), MAIN, MODELOPT_SAFE, MAIN, Severity.ERROR, "KeyError: 'language_model.model.layers.1.mlp.down_proj.input_scale'"));
    return List.copyOf(cases);
  }
}
