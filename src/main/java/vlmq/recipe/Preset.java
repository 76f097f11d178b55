package vlmq.recipe;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import vlmq.VlmqException;

/**
 * compressed-tensors' {@code PRESET_SCHEMES} (CT 0.18, {@code quant_scheme.py}) with exactly its arguments, so a
 * preset name means here what it means to llm-compressor users. {@link #needsCalibration()} marks the presets
 * whose stored parameters depend on calibration data (static activation scales), which data-free quantization
 * cannot produce.
 */
public enum Preset {
  W8A16(intWeights(8, true, 128), null),
  W4A16(intWeights(4, true, 128), null),
  W4A16_ASYM(intWeights(4, false, 128), null),
  W8A8(intChannelWeights(), dynamicTokenInput(QuantType.INT)),
  /** Alias of {@link #W8A8}. */
  INT8(intChannelWeights(), dynamicTokenInput(QuantType.INT)),
  W4A8(intWeights(4, true, 128), dynamicTokenInput(QuantType.INT)),
  W4AFP8(intWeights(4, true, 128), dynamicTokenInput(QuantType.FLOAT)),
  FP8(fp8Weights(Strategy.TENSOR),
      QuantizationArgs.builder(8, QuantType.FLOAT).strategy(Strategy.TENSOR).observer("static_minmax").build()),
  FP8_DYNAMIC(fp8Weights(Strategy.CHANNEL), dynamicTokenInput(QuantType.FLOAT)),
  FP8_BLOCK(
      QuantizationArgs.builder(8, QuantType.FLOAT).strategy(Strategy.BLOCK).blockStructure(128, 128).build(),
      QuantizationArgs.builder(8, QuantType.FLOAT).strategy(Strategy.GROUP).groupSize(128)
          .dynamic(DynamicMode.DYNAMIC).build()),
  NVFP4A16(nvfp4(DynamicMode.STATIC), null),
  NVFP4(nvfp4(DynamicMode.STATIC), nvfp4(DynamicMode.LOCAL)),
  MXFP4A16(mx(4, DynamicMode.STATIC), null),
  MXFP4(mx(4, DynamicMode.STATIC), mx(4, DynamicMode.DYNAMIC)),
  MXFP8A16(mx(8, DynamicMode.STATIC), null),
  MXFP8(mx(8, DynamicMode.STATIC), mx(8, DynamicMode.DYNAMIC));

  private final QuantizationArgs weights;
  private final QuantizationArgs inputActivations;

  Preset(QuantizationArgs weights, QuantizationArgs inputActivations) {
    this.weights = weights;
    this.inputActivations = inputActivations;
  }

  public QuantizationArgs weights() {
    return weights;
  }

  /** Null for weight-only presets. */
  public QuantizationArgs inputActivations() {
    return inputActivations;
  }

  /**
   * True when the checkpoint needs statistics of activations (FP8's static {@code input_scale}, NVFP4's
   * {@code input_global_scale}); everything else is fully determined by the weights.
   */
  public boolean needsCalibration() {
    return inputActivations != null && inputActivations.dynamic() != DynamicMode.DYNAMIC;
  }

  /**
   * The scheme {@code preset_name_to_scheme(name, targets)} returns: {@code format} is left null, as in CT;
   * use {@link QuantizationScheme#withInferredFormat()} for the value written into config.json.
   */
  public QuantizationScheme scheme(List<String> targets) {
    return new QuantizationScheme(targets, weights, inputActivations, null, null);
  }

  /** The compression format compressed-tensors infers for a Linear with this preset. */
  public CompressionFormat format() {
    return scheme(List.of("Linear")).withInferredFormat().format();
  }

  /** Looks a preset up by name, upper-casing it as {@code preset_name_to_scheme} does. */
  public static Preset byName(String name) {
    String key = name == null ? "" : name.trim().toUpperCase(Locale.ROOT);
    for (Preset p : values()) if (p.name().equals(key)) return p;
    throw new VlmqException("Unknown quantization preset '" + name + "': use one of "
        + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")) + ".");
  }

  private static QuantizationArgs intWeights(int bits, boolean symmetric, int groupSize) {
    return QuantizationArgs.builder(bits, QuantType.INT).strategy(Strategy.GROUP).groupSize(groupSize)
        .symmetric(symmetric).build();
  }

  private static QuantizationArgs intChannelWeights() {
    return QuantizationArgs.builder(8, QuantType.INT).strategy(Strategy.CHANNEL).build();
  }

  private static QuantizationArgs fp8Weights(Strategy strategy) {
    return QuantizationArgs.builder(8, QuantType.FLOAT).strategy(strategy).build();
  }

  private static QuantizationArgs dynamicTokenInput(QuantType type) {
    return QuantizationArgs.builder(8, type).strategy(Strategy.TOKEN).dynamic(DynamicMode.DYNAMIC).build();
  }

  private static QuantizationArgs nvfp4(DynamicMode dynamic) {
    return QuantizationArgs.builder(4, QuantType.FLOAT).strategy(Strategy.TENSOR_GROUP).groupSize(16)
        .dynamic(dynamic).observer(dynamic == DynamicMode.LOCAL ? "static_minmax" : null)
        .scaleDtype(TorchDType.FLOAT8_E4M3FN).zpDtype(TorchDType.FLOAT8_E4M3FN).build();
  }

  private static QuantizationArgs mx(int bits, DynamicMode dynamic) {
    return QuantizationArgs.builder(bits, QuantType.FLOAT).strategy(Strategy.GROUP).groupSize(32).dynamic(dynamic)
        .scaleDtype(TorchDType.UINT8).zpDtype(TorchDType.UINT8).build();
  }
}
