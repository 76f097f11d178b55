package vlmq.recipe;

import vlmq.numeric.DType;

/** The torch dtypes that {@code scale_dtype}/{@code zp_dtype} can name, spelled as {@code str(torch.dtype)}. */
public enum TorchDType {
  FLOAT8_E4M3FN("torch.float8_e4m3fn", DType.F8_E4M3),
  UINT8("torch.uint8", DType.U8),
  INT8("torch.int8", DType.I8),
  INT16("torch.int16", DType.I16),
  INT32("torch.int32", DType.I32),
  BFLOAT16("torch.bfloat16", DType.BF16),
  FLOAT16("torch.float16", DType.F16),
  FLOAT32("torch.float32", DType.F32);

  private final String json;
  private final DType dtype;

  TorchDType(String json, DType dtype) {
    this.json = json;
    this.dtype = dtype;
  }

  public String json() {
    return json;
  }

  /** The safetensors dtype of a tensor stored in this torch dtype. */
  public DType dtype() {
    return dtype;
  }

  /** Accepts {@code torch.xxx} or {@code xxx}, as compressed-tensors' {@code TorchDtype} validator does. */
  public static TorchDType parse(String value, String where, String field) {
    String name = value.startsWith("torch.") ? value : "torch." + value;
    for (TorchDType t : values()) if (t.json.equals(name)) return t;
    throw RecipeJson.invalid(where, field, value,
        "one of torch.float8_e4m3fn, torch.uint8, torch.int8, torch.int16, torch.int32, torch.bfloat16, "
            + "torch.float16, torch.float32");
  }
}
