package vlmq.recipe;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import vlmq.VlmqException;

/**
 * How one tensor kind (weights, input or output activations) is quantized: compressed-tensors'
 * {@code QuantizationArgs} (CT 0.18), field for field. Construction applies CT's
 * {@code validate_model_after}, so an instance always holds the values CT would write into config.json:
 * <pre>
 *   strategy  null  -> group_size null: tensor;  group_size &gt; 0: group;  group_size == -1: channel
 *   observer        -> dynamic true: null;  dynamic "local" and null: "minmax";  static and null: "memoryless_minmax"
 *   zp_dtype  null  -> fp4 (float, 4 bits): float8_e4m3fn;  float 8: float8_e4m3fn;  int &lt;=8: int8, &lt;=16: int16, else int32
 * </pre>
 * and rejects the combinations CT rejects (token without dynamic, group without group_size, block without
 * block_structure, group actorder outside group strategies, …).
 *
 * @param groupSize null, -1 (channel) or a positive group length
 * @param blockStructure null or [rows, cols]
 * @param observerKwargs written as a (sorted) JSON object; usually empty
 */
public record QuantizationArgs(
    int numBits,
    QuantType type,
    boolean symmetric,
    Integer groupSize,
    Strategy strategy,
    List<Integer> blockStructure,
    DynamicMode dynamic,
    ActOrder actorder,
    TorchDType scaleDtype,
    TorchDType zpDtype,
    String observer,
    Map<String, Object> observerKwargs) {

  public QuantizationArgs {
    if (type == null) type = QuantType.INT;
    if (dynamic == null) dynamic = DynamicMode.STATIC;
    observerKwargs = observerKwargs == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(observerKwargs));
    if (blockStructure != null) {
      blockStructure = List.copyOf(blockStructure); // rejects null entries
      if (blockStructure.size() != 2 || blockStructure.get(0) <= 0 || blockStructure.get(1) <= 0)
        throw invalid("block_structure " + blockStructure + " must be two positive ints [rows, cols]");
    }
    if (groupSize != null && groupSize < -1)
      throw invalid("group_size " + groupSize + " is invalid: use group_size > 0 for strategy 'group' and -1 for 'channel'");

    if (strategy == null) {
      if (groupSize == null) strategy = Strategy.TENSOR;
      else if (groupSize > 0) strategy = Strategy.GROUP;
      else if (groupSize == -1) strategy = Strategy.CHANNEL;
      else throw invalid("group_size 0 is invalid: use group_size > 0 for strategy 'group' and -1 for 'channel'");
    }
    if (strategy == Strategy.TOKEN && !dynamic.isDynamic())
      throw invalid("strategy 'token' needs dynamic: true (static token quantization does not exist)");
    boolean grouped = strategy == Strategy.GROUP || strategy == Strategy.TENSOR_GROUP;
    if (grouped && (groupSize == null || groupSize <= 0))
      throw invalid("strategy '" + strategy.json() + "' needs a positive group_size");
    if (groupSize != null && groupSize > 0 && !grouped)
      throw invalid("group_size " + groupSize + " needs strategy 'group' or 'tensor_group', not '" + strategy.json() + "'");
    if (strategy == Strategy.BLOCK && blockStructure == null)
      throw invalid("strategy 'block' needs block_structure, e.g. [128, 128]");
    if (blockStructure != null && strategy != Strategy.BLOCK)
      throw invalid("block_structure needs strategy 'block', not '" + strategy.json() + "'");
    if (actorder != null && actorder.isGroupOrdering() && !grouped)
      throw invalid("actorder '" + actorder.json() + "' needs strategy 'group' or 'tensor_group'");

    if (dynamic.isDynamic()) {
      if (!List.of(Strategy.TOKEN, Strategy.TENSOR, Strategy.TENSOR_GROUP, Strategy.GROUP).contains(strategy))
        throw invalid("dynamic quantization needs strategy token, tensor, tensor_group or group, not '" + strategy.json() + "'");
      if (dynamic == DynamicMode.LOCAL && strategy != Strategy.TENSOR_GROUP)
        throw invalid("dynamic 'local' is only supported with strategy 'tensor_group'");
      if (dynamic == DynamicMode.DYNAMIC) observer = null;
      else if (observer == null) observer = "minmax";
    } else if (observer == null) {
      observer = "memoryless_minmax";
    }

    if (zpDtype == null) {
      if (numBits == 4 && type == QuantType.FLOAT) zpDtype = TorchDType.FLOAT8_E4M3FN;
      else zpDtype = storageDtype(numBits, type);
    }
  }

  /**
   * CT's {@code pytorch_dtype()}: the torch dtype quantized values are held in (and FP8/INT8 weights stored in).
   * Float types other than 8-bit have none (FP4 is packed by its compressor).
   */
  public TorchDType pytorchDtype() {
    return storageDtype(numBits, type);
  }

  private static TorchDType storageDtype(int numBits, QuantType type) {
    if (type == QuantType.FLOAT) {
      if (numBits == 8) return TorchDType.FLOAT8_E4M3FN;
      throw invalid("float quantization with num_bits " + numBits + " has no storage dtype (only 8, or 4 with group scales)");
    }
    if (numBits <= 8) return TorchDType.INT8;
    return numBits <= 16 ? TorchDType.INT16 : TorchDType.INT32;
  }

  /** True for the MX formats (MXFP4/MXFP8): float, group 32 and E8M0 ({@code uint8}) scales. */
  public boolean isMx() {
    return type == QuantType.FLOAT && (numBits == 4 || numBits == 8) && groupSize != null && groupSize == 32
        && scaleDtype == TorchDType.UINT8;
  }

  /** Rows of one block ({@code block_structure[0]}); only for strategy block. */
  public int blockRows() {
    return blockStructure.get(0);
  }

  /** Columns of one block ({@code block_structure[1]}); only for strategy block. */
  public int blockCols() {
    return blockStructure.get(1);
  }

  public static Builder builder(int numBits, QuantType type) {
    return new Builder(numBits, type);
  }

  /** A builder holding these values, to derive changed args (e.g. GPTQ setting {@code actorder}). */
  public Builder toBuilder() {
    Builder b = new Builder(numBits, type);
    b.symmetric = symmetric;
    b.groupSize = groupSize;
    b.strategy = strategy;
    b.blockStructure = blockStructure;
    b.dynamic = dynamic;
    b.actorder = actorder;
    b.scaleDtype = scaleDtype;
    b.zpDtype = zpDtype;
    b.observer = observer;
    b.observerKwargs = observerKwargs;
    return b;
  }

  private static VlmqException invalid(String message) {
    return new VlmqException("Invalid quantization args: " + message + ".");
  }

  /** Builds args field by field; {@link #build()} runs the validation of the canonical constructor. */
  public static final class Builder {
    private final int numBits;
    private final QuantType type;
    private boolean symmetric = true;
    private Integer groupSize;
    private Strategy strategy;
    private List<Integer> blockStructure;
    private DynamicMode dynamic = DynamicMode.STATIC;
    private ActOrder actorder;
    private TorchDType scaleDtype;
    private TorchDType zpDtype;
    private String observer;
    private Map<String, Object> observerKwargs = Map.of();

    private Builder(int numBits, QuantType type) {
      this.numBits = numBits;
      this.type = type;
    }

    public Builder symmetric(boolean value) {
      symmetric = value;
      return this;
    }

    public Builder groupSize(Integer value) {
      groupSize = value;
      return this;
    }

    public Builder strategy(Strategy value) {
      strategy = value;
      return this;
    }

    public Builder blockStructure(int rows, int cols) {
      blockStructure = List.of(rows, cols);
      return this;
    }

    public Builder dynamic(DynamicMode value) {
      dynamic = value;
      return this;
    }

    public Builder actorder(ActOrder value) {
      actorder = value;
      return this;
    }

    public Builder scaleDtype(TorchDType value) {
      scaleDtype = value;
      return this;
    }

    public Builder zpDtype(TorchDType value) {
      zpDtype = value;
      return this;
    }

    public Builder observer(String value) {
      observer = value;
      return this;
    }

    public Builder observerKwargs(Map<String, Object> value) {
      observerKwargs = value;
      return this;
    }

    public QuantizationArgs build() {
      return new QuantizationArgs(numBits, type, symmetric, groupSize, strategy, blockStructure, dynamic, actorder,
          scaleDtype, zpDtype, observer, observerKwargs);
    }
  }
}
