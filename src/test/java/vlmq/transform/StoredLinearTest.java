package vlmq.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import vlmq.format.modelopt.FloatElements;
import vlmq.io.safetensors.Checkpoint;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.quantize.CheckpointFormat;
import vlmq.quantize.ProgressListener;
import vlmq.quantize.QuantizeJob;
import vlmq.recipe.Recipe;

/**
 * Dequantizing what {@code vlmq quantize} wrote gives the original weights back within the scheme's rounding error;
 * a wrong element order, nibble order, scale grid or zero point would give errors of the weights' own size.
 */
class StoredLinearTest {
  private static final Path FIXTURE = Path.of("src/test/resources/fixtures/qwen2_5_vl");

  @ParameterizedTest
  @CsvSource({
      "FP8_DYNAMIC, compressed-tensors, FP8 per-channel, 0.04",
      "FP8_BLOCK, compressed-tensors, FP8, 0.04",
      "W8A8, compressed-tensors, INT8 per-channel, 0.01",
      "W8A16, compressed-tensors, INT8 packed, 0.01",
      "W4A16, compressed-tensors, INT4 packed, 0.15",
      "W4A16_ASYM, compressed-tensors, INT4 packed, 0.15",
      "NVFP4A16, compressed-tensors, NVFP4 group 16, 0.12",
      "MXFP4A16, compressed-tensors, MXFP4 group 32, 0.2",
      "FP8_DYNAMIC, modelopt, FP8 per-channel, 0.04",
      "NVFP4A16, modelopt, NVFP4 (ModelOpt) group 16, 0.12"})
  void dequantizesToTheOriginalWithinTheSchemesError(String scheme, String format, String label, double bound,
      @TempDir Path tmp) {
    var out = QuantizeJob.run(new QuantizeJob.Request(FIXTURE, tmp.resolve("q"), Recipe.fromPreset(scheme, List.of()),
        false, CheckpointWriter.DEFAULT_MAX_SHARD_BYTES, 2, CheckpointFormat.parse(format)), ProgressListener.NONE)
        .output();
    int modules = 0;
    try (var src = SourceModel.open(out); var original = Checkpoint.open(FIXTURE)) {
      for (var e : src.quantized().entrySet()) {
        var stored = e.getValue();
        // one 128x128 block or one 128-group per row reads as per-tensor / per-channel on this small fixture
        assertThat(stored.label()).startsWith(label);
        var w = original.find(e.getKey() + ".weight").orElseThrow();
        assertThat(new long[] {stored.rows(), stored.cols()}).isEqualTo(w.shape());
        var row = new float[(int) stored.cols()];
        double err = 0, norm = 0;
        for (long r = 0; r < stored.rows(); r++) {
          stored.row(r, row);
          for (int c = 0; c < row.length; c++) {
            double x = FloatElements.get(w.data(), w.dtype(), r * row.length + c);
            err += (row[c] - x) * (row[c] - x);
            norm += x * x;
          }
        }
        assertThat(Math.sqrt(err / norm)).as(e.getKey()).isLessThan(bound);
        modules++;
      }
    }
    assertThat(modules).isEqualTo(14);
  }

  /** ModelOpt's NVFP4 (times weight_scale_2) and compressed-tensors' (over weight_global_scale) read alike. */
  @org.junit.jupiter.api.Test
  void modelOptAndCompressedTensorsNvfp4DequantizeIdentically(@TempDir Path tmp) {
    var values = new LinkedHashMap<String, float[]>();
    for (var format : CheckpointFormat.values()) {
      var out = QuantizeJob.run(new QuantizeJob.Request(FIXTURE, tmp.resolve(format.id()),
          Recipe.fromPreset("NVFP4A16", List.of()), false, CheckpointWriter.DEFAULT_MAX_SHARD_BYTES, 1, format),
          ProgressListener.NONE).output();
      try (var src = SourceModel.open(out)) {
        var stored = src.quantized().get("model.layers.1.mlp.down_proj");
        var all = new float[(int) (stored.rows() * stored.cols())];
        var row = new float[(int) stored.cols()];
        for (int r = 0; r < stored.rows(); r++) {
          stored.row(r, row);
          System.arraycopy(row, 0, all, r * row.length, row.length);
        }
        values.put(format.id(), all);
      }
    }
    assertThat(values.get("modelopt")).containsExactly(values.get("compressed-tensors"));
  }
}
