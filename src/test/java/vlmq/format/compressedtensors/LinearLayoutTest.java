package vlmq.format.compressedtensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import vlmq.VlmqException;
import vlmq.numeric.DType;
import vlmq.recipe.ActOrder;
import vlmq.recipe.CompressionFormat;
import vlmq.recipe.Preset;
import vlmq.recipe.QuantType;
import vlmq.recipe.QuantizationArgs;

/** Tensor names, dtypes and shapes per spec §2.2, for real model dimensions (Qwen2.5-VL-7B's MLP). */
class LinearLayoutTest {
  private static final String MLP = "model.layers.0.mlp.down_proj";

  private static List<String> layout(Preset p, DType dtype, long rows, long cols) {
    return LinearLayout.of(MLP, p.format(), p.weights(), dtype, rows, cols).tensors().stream()
        .map(LayoutTensor::toString).toList();
  }

  @Test
  void fp8Layouts() {
    assertThat(layout(Preset.FP8_DYNAMIC, DType.BF16, 3584, 18944)).containsExactly(
        MLP + ".weight F8_E4M3[3584, 18944]", MLP + ".weight_scale BF16[3584, 1]");
    assertThat(layout(Preset.FP8, DType.F16, 3584, 18944)).containsExactly(
        MLP + ".weight F8_E4M3[3584, 18944]", MLP + ".weight_scale F16[1]");
    // block scales take the ceil shape: 3420 columns (Qwen2.5-VL vision down_proj) are padded, not refused
    assertThat(layout(Preset.FP8_BLOCK, DType.BF16, 1280, 3420)).containsExactly(
        MLP + ".weight F8_E4M3[1280, 3420]", MLP + ".weight_scale BF16[10, 27]");
  }

  @Test
  void intLayouts() {
    assertThat(layout(Preset.W8A8, DType.BF16, 3584, 18944)).containsExactly(
        MLP + ".weight I8[3584, 18944]", MLP + ".weight_scale BF16[3584, 1]");
    assertThat(layout(Preset.W4A16, DType.BF16, 3584, 18944)).containsExactly(
        MLP + ".weight_packed I32[3584, 2368]", MLP + ".weight_scale BF16[3584, 148]", MLP + ".weight_shape I64[2]");
    assertThat(layout(Preset.W8A16, DType.F32, 3584, 18944)).containsExactly(
        MLP + ".weight_packed I32[3584, 4736]", MLP + ".weight_scale F32[3584, 148]", MLP + ".weight_shape I64[2]");
    assertThat(layout(Preset.W4A16_ASYM, DType.BF16, 3585, 18944)).containsExactly(
        MLP + ".weight_packed I32[3585, 2368]", MLP + ".weight_scale BF16[3585, 148]",
        MLP + ".weight_zero_point I32[449, 148]", MLP + ".weight_shape I64[2]");
  }

  @Test
  void fp4Layouts() {
    assertThat(layout(Preset.NVFP4A16, DType.BF16, 3584, 18944)).containsExactly(
        MLP + ".weight_packed U8[3584, 9472]", MLP + ".weight_scale F8_E4M3[3584, 1184]",
        MLP + ".weight_global_scale F32[1]");
    assertThat(layout(Preset.NVFP4, DType.BF16, 3584, 18944)).hasSize(3);
    assertThat(layout(Preset.MXFP4A16, DType.BF16, 3584, 18944)).containsExactly(
        MLP + ".weight_packed U8[3584, 9472]", MLP + ".weight_scale U8[3584, 592]");
    assertThat(layout(Preset.MXFP8A16, DType.BF16, 3584, 18944)).containsExactly(
        MLP + ".weight F8_E4M3[3584, 18944]", MLP + ".weight_scale U8[3584, 592]");
  }

  @Test
  void specsCarryTheByteSizesTheWriterReserves() {
    var l = LinearLayout.of(MLP, CompressionFormat.PACK_QUANTIZED, Preset.W4A16_ASYM.weights(), DType.BF16, 3585,
        18944);
    assertThat(l.specs()).extracting(s -> s.byteSize()).containsExactly(3585L * 2368 * 4, 3585L * 148 * 2,
        449L * 148 * 4, 16L);
    assertThat(l.get(LinearParam.WEIGHT_ZERO_POINT).name()).isEqualTo(MLP + ".weight_zero_point");
    assertThat(l.has(LinearParam.WEIGHT_GLOBAL_SCALE)).isFalse();
  }

  @Test
  void refusesWhatCompressedTensorsCannotWrite() {
    assertThatThrownBy(() -> layout(Preset.W4A16, DType.BF16, 1280, 3420)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("3420").hasMessageContaining("group_size 128").hasMessageContaining("ignore");
    assertThatThrownBy(() -> layout(Preset.NVFP4A16, DType.BF16, 64, 8)).hasMessageContaining("group_size 16");
    assertThatThrownBy(() -> layout(Preset.FP8_DYNAMIC, DType.F8_E4M3, 64, 64))
        .hasMessageContaining("BF16, F16 and F32");
    var gIdx = Preset.W4A16.weights().toBuilder().actorder(ActOrder.GROUP).build();
    assertThatThrownBy(() -> LinearLayout.of(MLP, CompressionFormat.PACK_QUANTIZED, gIdx, DType.BF16, 64, 128))
        .hasMessageContaining("weight_g_idx");
    assertThatThrownBy(() -> LinearLayout.of(MLP, CompressionFormat.PACK_QUANTIZED, Preset.FP8_DYNAMIC.weights(),
        DType.BF16, 64, 128)).hasMessageContaining("pack-quantized");
    var asymFp8 = QuantizationArgs.builder(8, QuantType.FLOAT).symmetric(false).build();
    assertThatThrownBy(() -> LinearLayout.of(MLP, CompressionFormat.FLOAT_QUANTIZED, asymFp8, DType.BF16, 64, 128))
        .hasMessageContaining("asymmetric");
  }

  @Test
  void rowRangesOwnContiguousBytesOfEveryRowWiseTensor() {
    var block = LinearLayout.of(MLP, Preset.FP8_BLOCK.format(), Preset.FP8_BLOCK.weights(), DType.BF16, 300, 256);
    assertThat(block.rowOffset(LinearParam.WEIGHT, 128)).isEqualTo(128L * 256);
    // scales [ceil(300/128), 2] bf16: rows [128, 256) own scale row 1; rows [256, 300) the partial last one
    assertThat(block.rowOffset(LinearParam.WEIGHT_SCALE, 128)).isEqualTo(4);
    assertThat(block.rowOffset(LinearParam.WEIGHT_SCALE, 256)).isEqualTo(8);
    assertThat(block.rowOffset(LinearParam.WEIGHT_SCALE, 300)).isEqualTo(block.get(LinearParam.WEIGHT_SCALE).byteSize());

    var asym = LinearLayout.of(MLP, Preset.W4A16_ASYM.format(), Preset.W4A16_ASYM.weights(), DType.BF16, 300, 256);
    // int4 zero points packed along dim 0: 8 rows per int32 word, 2 groups per row of words
    assertThat(asym.rowOffset(LinearParam.WEIGHT_ZERO_POINT, 8)).isEqualTo(2L * 4);
    assertThat(asym.rowOffset(LinearParam.WEIGHT_ZERO_POINT, 300))
        .isEqualTo(asym.get(LinearParam.WEIGHT_ZERO_POINT).byteSize());
    assertThat(asym.rowOffset(LinearParam.WEIGHT_PACKED, 3)).isEqualTo(3L * 32 * 4);
    assertThat(asym.rowOffset(LinearParam.WEIGHT_SCALE, 3)).isEqualTo(3L * 2 * 2);
    assertThat(asym.rowWise(LinearParam.WEIGHT_SHAPE)).isFalse();
    assertThatThrownBy(() -> asym.rowOffset(LinearParam.WEIGHT_SHAPE, 0)).isInstanceOf(IllegalArgumentException.class);

    var nvfp4 = LinearLayout.of(MLP, Preset.NVFP4A16.format(), Preset.NVFP4A16.weights(), DType.BF16, 64, 256);
    assertThat(nvfp4.rowWise(LinearParam.WEIGHT_GLOBAL_SCALE)).isFalse();
    assertThat(nvfp4.rowOffset(LinearParam.WEIGHT_SCALE, 5)).isEqualTo(5L * 16);
    var perTensor = LinearLayout.of(MLP, Preset.FP8.format(), Preset.FP8.weights(), DType.BF16, 64, 256);
    assertThat(perTensor.rowWise(LinearParam.WEIGHT_SCALE)).isFalse();
  }
}
