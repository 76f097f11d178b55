package vlmq.recipe;

/**
 * compressed-tensors' {@code CompressionFormat}: how a quantized module's tensors are laid out in the
 * checkpoint. {@link #infer} picks the format CT 0.18 picks for a Linear with a given scheme.
 */
public enum CompressionFormat {
  DENSE("dense"),
  SPARSE_BITMASK("sparse-bitmask"),
  SPARSE_24_BITMASK("sparse-24-bitmask"),
  INT_QUANTIZED("int-quantized"),
  FLOAT_QUANTIZED("float-quantized"),
  NAIVE_QUANTIZED("naive-quantized"),
  PACK_QUANTIZED("pack-quantized"),
  MARLIN_24("marlin-24"),
  MIXED_PRECISION("mixed-precision"),
  NVFP4_PACK_QUANTIZED("nvfp4-pack-quantized"),
  MXFP4_PACK_QUANTIZED("mxfp4-pack-quantized"),
  MXFP8_QUANTIZED("mxfp8-quantized");

  private final String json;

  CompressionFormat(String json) {
    this.json = json;
  }

  public String json() {
    return json;
  }

  public static CompressionFormat parse(String value, String where) {
    for (CompressionFormat f : values()) if (f.json.equals(value)) return f;
    throw RecipeJson.invalid(where, "format", value, "a compressed-tensors compression format such as \"pack-quantized\"");
  }

  /**
   * The format CT infers for a Linear quantized with {@code scheme} (first match wins,
   * {@code compressors/format.py}):
   * <pre>
   *   mxfp4-pack-quantized   weights float, 4 bits, group_size 32
   *   mxfp8-quantized        weights float, 8 bits, group_size 32, scale_dtype uint8
   *   nvfp4-pack-quantized   weights float, 4 bits, group_size 16
   *   int-quantized          input activations present, weights int
   *   pack-quantized         weights int, 1..8 bits, no float input activations
   *   float-quantized        input activations present, weights float
   *   naive-quantized        any other weight quantization
   *   dense                  no weight quantization
   * </pre>
   * An explicit {@code scheme.format()} wins over inference.
   */
  public static CompressionFormat infer(QuantizationScheme scheme) {
    if (scheme.format() != null) return scheme.format();
    QuantizationArgs w = scheme.weights();
    QuantizationArgs in = scheme.inputActivations();
    if (w == null) return DENSE;
    boolean floatWeights = w.type() == QuantType.FLOAT;
    boolean g32 = w.groupSize() != null && w.groupSize() == 32;
    if (floatWeights && w.numBits() == 4 && g32) return MXFP4_PACK_QUANTIZED;
    if (floatWeights && w.numBits() == 8 && g32 && w.scaleDtype() == TorchDType.UINT8) return MXFP8_QUANTIZED;
    if (floatWeights && w.numBits() == 4 && w.groupSize() != null && w.groupSize() == 16) return NVFP4_PACK_QUANTIZED;
    if (in != null && !floatWeights) return INT_QUANTIZED;
    if (!floatWeights && w.numBits() >= 1 && w.numBits() <= 8 && (in == null || in.type() != QuantType.FLOAT))
      return PACK_QUANTIZED;
    if (in != null) return FLOAT_QUANTIZED;
    return NAIVE_QUANTIZED;
  }
}
