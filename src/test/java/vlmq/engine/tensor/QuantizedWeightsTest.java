package vlmq.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vlmq.VlmqException;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.io.safetensors.TensorSpec;
import vlmq.numeric.Bf16;
import vlmq.numeric.DType;
import vlmq.numeric.E8m0;
import vlmq.numeric.Fp4E2m1;
import vlmq.numeric.Fp8E4m3;
import vlmq.quant.WeightQuantizer;
import vlmq.recipe.CompressionFormat;
import vlmq.recipe.Preset;
import vlmq.recipe.QuantType;
import vlmq.recipe.QuantizationArgs;
import vlmq.recipe.Strategy;

/**
 * Every weight format vlmq writes, quantized by {@link WeightQuantizer} from a seeded bf16 matrix, then read back by
 * {@link QuantizedLinearReader}: {@code readRow} equals the compressed-tensors dequantization {@code (q − zp)·s}
 * (written out here from the stored bytes), the dequantized weight is close to the original, and {@code matmul}
 * equals a float64 {@code x @ dequant(W).T} (after the same activation quantization) within {@code 1e-5·Σ|w·x|},
 * for one row and for a batch that crosses the kernels' tiles.
 */
class QuantizedWeightsTest {
  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  record Case(String name, CompressionFormat format, QuantizationArgs args, ActivationQuantizer activations, int rows,
      int cols, double maxError) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    var fp8Channel = QuantizationArgs.builder(8, QuantType.FLOAT).strategy(Strategy.CHANNEL).build();
    var fp8Tensor = QuantizationArgs.builder(8, QuantType.FLOAT).strategy(Strategy.TENSOR).build();
    var int3Asym = QuantizationArgs.builder(3, QuantType.INT).strategy(Strategy.GROUP).groupSize(32).symmetric(false)
        .build();
    var int8AsymChannel = QuantizationArgs.builder(8, QuantType.INT).strategy(Strategy.CHANNEL).symmetric(false)
        .build();
    var int4Channel = QuantizationArgs.builder(4, QuantType.INT).strategy(Strategy.CHANNEL).build();
    var int8AsymTensor = QuantizationArgs.builder(8, QuantType.INT).strategy(Strategy.TENSOR).symmetric(false).build();
    return Stream.of(
        new Case("FP8_DYNAMIC", CompressionFormat.FLOAT_QUANTIZED, fp8Channel, new ActivationQuantizer.Fp8PerToken(),
            40, 200, 0.06),
        new Case("FP8 per-tensor", CompressionFormat.NAIVE_QUANTIZED, fp8Tensor, null, 40, 200, 0.06),
        new Case("FP8_BLOCK (partial blocks)", CompressionFormat.FLOAT_QUANTIZED, Preset.FP8_BLOCK.weights(),
            new ActivationQuantizer.Fp8PerGroup(128), 200, 320, 0.06),
        new Case("W8A8", CompressionFormat.INT_QUANTIZED, Preset.W8A8.weights(), new ActivationQuantizer.Int8PerToken(),
            40, 256, 0.02),
        new Case("int8 asym per-tensor", CompressionFormat.INT_QUANTIZED, int8AsymTensor, null, 24, 256, 0.05),
        new Case("W8A16", CompressionFormat.PACK_QUANTIZED, Preset.W8A16.weights(), null, 40, 256, 0.02),
        new Case("W4A16", CompressionFormat.PACK_QUANTIZED, Preset.W4A16.weights(), null, 40, 384, 0.2),
        new Case("W4A16_ASYM", CompressionFormat.PACK_QUANTIZED, Preset.W4A16_ASYM.weights(), null, 40, 384, 0.2),
        new Case("int4 channel", CompressionFormat.PACK_QUANTIZED, int4Channel, null, 40, 96, 0.3),
        new Case("int8 asym channel (packed zero points)", CompressionFormat.PACK_QUANTIZED, int8AsymChannel, null, 21,
            96, 0.02),
        new Case("int3 asym group 32 (generic unpacking)", CompressionFormat.PACK_QUANTIZED, int3Asym, null, 19, 96,
            0.4),
        new Case("NVFP4A16", CompressionFormat.NVFP4_PACK_QUANTIZED, Preset.NVFP4A16.weights(), null, 40, 256, 0.2),
        new Case("MXFP4A16", CompressionFormat.MXFP4_PACK_QUANTIZED, Preset.MXFP4A16.weights(), null, 40, 256, 0.25),
        new Case("MXFP8A16", CompressionFormat.MXFP8_QUANTIZED, Preset.MXFP8A16.weights(), null, 40, 256, 0.06))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matmulEqualsTheDequantizedReference(Case c, @TempDir Path tmp) {
    var random = new SplittableRandom(c.rows * 131L + c.cols);
    LinearLayout layout = LinearLayout.of("m", c.format, c.args, DType.BF16, c.rows, c.cols);
    float[][] original = new float[c.rows][c.cols];
    try (Arena arena = Arena.ofShared()) {
      MemorySegment src = arena.allocate(2L * c.rows * c.cols);
      for (int o = 0; o < c.rows; o++) {
        double rowScale = Math.scalb(1.0, random.nextInt(-3, 3));
        for (int i = 0; i < c.cols; i++) {
          short v = Bf16.fromFloat((float) (random.nextGaussian() * rowScale));
          src.set(LE_SHORT, 2L * (o * c.cols + i), v);
          original[o][i] = Bf16.toFloat(v);
        }
      }
      try (var writer = CheckpointWriter.create(tmp.resolve("q"), List.of(), layout.specs(), Map.of(), 1L << 40)) {
        WeightQuantizer.of(layout).quantize(src, layout.segments(writer::segment));
        writer.commit();
      }
    }
    try (Checkpoint checkpoint = Checkpoint.open(tmp.resolve("q"))) {
      Integer bits = c.format == CompressionFormat.PACK_QUANTIZED ? c.args.numBits() : null;
      int[] block = c.args.strategy() == Strategy.BLOCK ? new int[] {c.args.blockRows(), c.args.blockCols()} : null;
      QuantizedWeights weights = QuantizedLinearReader.read(checkpoint::find, "m", c.rows, c.cols,
          new ServedQuantization.Module(bits, block, c.activations));
      float[][] reference = dequantize(c, checkpoint);

      double error = 0;
      double norm = 0;
      float[] row = new float[c.cols + 1];
      for (int o = 0; o < c.rows; o++) {
        weights.readRow(o, row, 1);
        for (int i = 0; i < c.cols; i++) {
          assertThat(row[1 + i]).as("w[%d, %d]", o, i).isEqualTo(reference[o][i]);
          error += Math.pow(reference[o][i] - original[o][i], 2);
          norm += Math.pow(original[o][i], 2);
        }
      }
      assertThat(Math.sqrt(error / norm)).as("relative error of the dequantized weight").isLessThan(c.maxError);

      for (int n : new int[] {1, 21}) {
        float[] x = new float[n * c.cols + 5];
        for (int i = 0; i < x.length; i++) x[i] = (float) (random.nextGaussian() * (i % 7 == 0 ? 4 : 1));
        float[] input = x.clone();
        if (c.activations != null) c.activations.apply(x, n, c.cols, input);
        float[] out = new float[n * c.rows];
        weights.matmul(x, n, out);
        for (int r = 0; r < n; r++) {
          for (int o = 0; o < c.rows; o++) {
            double exact = 0;
            double magnitude = 0;
            for (int i = 0; i < c.cols; i++) {
              exact += (double) reference[o][i] * input[r * c.cols + i];
              magnitude += Math.abs((double) reference[o][i] * input[r * c.cols + i]);
            }
            assertThat((double) out[r * c.rows + o]).as("n=%d row %d out %d", n, r, o)
                .isCloseTo(exact, within(1e-5 * magnitude));
          }
        }
      }
    }
  }

  /**
   * compressed-tensors' dequantization, {@code (q − zp)·s} in float32, read from the stored tensors: codes by format,
   * the scale (and zero point) of each element's unit by strategy.
   */
  private static float[][] dequantize(Case c, Checkpoint checkpoint) {
    MemorySegment scale = checkpoint.find("m.weight_scale").orElseThrow().data();
    var zp = checkpoint.find("m.weight_zero_point").map(Checkpoint.Tensor::data);
    QuantizationArgs a = c.args;
    int bits = a.numBits();
    float[][] w = new float[c.rows][c.cols];
    for (int o = 0; o < c.rows; o++) {
      for (int i = 0; i < c.cols; i++) {
        int unitsPerRow;
        long unit = switch (a.strategy()) {
          case TENSOR -> 0;
          case CHANNEL -> o;
          case GROUP, TENSOR_GROUP -> {
            unitsPerRow = c.cols / a.groupSize();
            yield (long) o * unitsPerRow + i / a.groupSize();
          }
          case BLOCK -> {
            unitsPerRow = Math.ceilDiv(c.cols, a.blockCols());
            yield (long) (o / a.blockRows()) * unitsPerRow + i / a.blockCols();
          }
          default -> throw new IllegalStateException();
        };
        float s = switch (c.format) {
          case NVFP4_PACK_QUANTIZED -> Fp8E4m3.toFloat(scale.get(ValueLayout.JAVA_BYTE, unit))
              / checkpoint.find("m.weight_global_scale").orElseThrow().data().get(LE_FLOAT, 0);
          case MXFP4_PACK_QUANTIZED, MXFP8_QUANTIZED -> E8m0.toFloat(scale.get(ValueLayout.JAVA_BYTE, unit));
          default -> Bf16.toFloat(scale.get(LE_SHORT, 2 * unit));
        };
        float z = 0;
        if (zp.isPresent()) {
          boolean packedAlongRows = c.format == CompressionFormat.PACK_QUANTIZED && a.strategy() != Strategy.TENSOR;
          if (packedAlongRows) {
            int units = a.strategy() == Strategy.CHANNEL ? 1 : c.cols / a.groupSize();
            int column = a.strategy() == Strategy.CHANNEL ? 0 : i / a.groupSize();
            z = unpack(zp.get(), column, units, o, bits) - (1 << (bits - 1));
          } else {
            z = zp.get().get(ValueLayout.JAVA_BYTE, unit);
          }
        }
        float q = switch (c.format) {
          case PACK_QUANTIZED -> {
            MemorySegment packed = checkpoint.find("m.weight_packed").orElseThrow().data();
            long wordsPerRow = Math.ceilDiv((long) c.cols * bits, 32);
            yield unpackRow(packed, o * wordsPerRow * 4, i, bits) - (1 << (bits - 1));
          }
          case NVFP4_PACK_QUANTIZED, MXFP4_PACK_QUANTIZED -> {
            byte b = checkpoint.find("m.weight_packed").orElseThrow().data()
                .get(ValueLayout.JAVA_BYTE, (long) o * c.cols / 2 + i / 2);
            yield Fp4E2m1.toFloat(i % 2 == 0 ? b & 0xF : (b >> 4) & 0xF);
          }
          default -> {
            byte b = checkpoint.find("m.weight").orElseThrow().data().get(ValueLayout.JAVA_BYTE, (long) o * c.cols + i);
            yield a.type() == QuantType.FLOAT ? Fp8E4m3.toFloat(b) : b;
          }
        };
        w[o][i] = (q - z) * s;
      }
    }
    return w;
  }

  /** Element i of a row packed as one little-endian bit stream of b-bit values from byte {@code rowStart}. */
  private static int unpackRow(MemorySegment words, long rowStart, int i, int bits) {
    long value = 0;
    for (int b = 0; b < bits; b++) {
      long bit = (long) i * bits + b;
      int word = words.get(LE_INT, rowStart + (bit / 32) * 4);
      value |= (long) ((word >>> (bit % 32)) & 1) << b;
    }
    return (int) value;
  }

  /** Row o of column {@code column} of a {@code [ceil(rows·b/32), units]} tensor packed along dim 0. */
  private static int unpack(MemorySegment words, int column, int units, int o, int bits) {
    long value = 0;
    for (int b = 0; b < bits; b++) {
      long bit = (long) o * bits + b;
      int word = words.get(LE_INT, ((bit / 32) * units + column) * 4);
      value |= (long) ((word >>> (bit % 32)) & 1) << b;
    }
    return (int) value;
  }

  /** ModelOpt's FP8 export: F8_E4M3 weight, F32 per-tensor weight_scale (a scalar) and an input_scale. */
  @Test
  void modelOptFp8WithAScalarScale(@TempDir Path tmp) {
    int rows = 8;
    int cols = 64;
    var specs = List.of(new TensorSpec("m.weight", DType.F8_E4M3, new long[] {rows, cols}),
        new TensorSpec("m.weight_scale", DType.F32, new long[] {}),
        new TensorSpec("m.input_scale", DType.F32, new long[] {}));
    try (var writer = CheckpointWriter.create(tmp.resolve("q"), List.of(), specs, Map.of(), 1L << 40)) {
      MemorySegment w = writer.segment("m.weight");
      for (int i = 0; i < rows * cols; i++) w.set(ValueLayout.JAVA_BYTE, i, Fp8E4m3.fromFloat((i % 13) - 6));
      writer.segment("m.weight_scale").set(LE_FLOAT, 0, 0.25f);
      writer.segment("m.input_scale").set(LE_FLOAT, 0, 3f);
      writer.commit();
    }
    try (Checkpoint checkpoint = Checkpoint.open(tmp.resolve("q"))) {
      var weights = QuantizedLinearReader.read(checkpoint::find, "m", rows, cols, ServedQuantization.Module.UNKNOWN);
      float[] x = new float[cols];
      x[5] = 1f;
      x[6] = 2f;
      float[] out = new float[rows];
      weights.matmul(x, 1, out);
      for (int o = 0; o < rows; o++) {
        assertThat(out[o]).isEqualTo(0.25f * (((o * cols + 5) % 13) - 6) + 0.5f * (((o * cols + 6) % 13) - 6));
      }
      assertThat(weights.describe()).isEqualTo("fp8_e4m3, tensor (f32 scales), weight-only");
    }
  }

  @Test
  void mismatchedScalesAndMissingTensorsAreNamed(@TempDir Path tmp) {
    var specs = new ArrayList<>(List.of(new TensorSpec("m.weight", DType.F8_E4M3, new long[] {8, 64}),
        new TensorSpec("m.weight_scale", DType.BF16, new long[] {4, 1}),
        new TensorSpec("p.weight_packed", DType.I32, new long[] {8, 8}),
        new TensorSpec("p.weight_scale", DType.BF16, new long[] {8, 1}),
        new TensorSpec("g.weight_packed", DType.I32, new long[] {8, 8}),
        new TensorSpec("g.weight_scale", DType.BF16, new long[] {8, 1}),
        new TensorSpec("g.weight_g_idx", DType.I32, new long[] {64})));
    try (var writer = CheckpointWriter.create(tmp.resolve("q"), List.of(), specs, Map.of(), 1L << 40)) {
      specs.forEach(s -> writer.segment(s.name()).fill((byte) 0));
      writer.commit();
    }
    try (Checkpoint checkpoint = Checkpoint.open(tmp.resolve("q"))) {
      var none = ServedQuantization.Module.UNKNOWN;
      assertThatThrownBy(() -> QuantizedLinearReader.read(checkpoint::find, "m", 8, 64, none))
          .isInstanceOf(VlmqException.class).hasMessageContaining("m.weight_scale").hasMessageContaining("[4, 1]");
      assertThatThrownBy(() -> QuantizedLinearReader.read(checkpoint::find, "p", 8, 100, none))
          .isInstanceOf(VlmqException.class).hasMessageContaining("p.weight_packed");
      assertThatThrownBy(() -> QuantizedLinearReader.read(checkpoint::find, "g", 8, 64, none))
          .isInstanceOf(VlmqException.class).hasMessageContaining("weight_g_idx");
      assertThatThrownBy(() -> QuantizedLinearReader.read(checkpoint::find, "x", 8, 64, none))
          .isInstanceOf(VlmqException.class).hasMessageContaining("x.weight_scale");
    }
  }
}
