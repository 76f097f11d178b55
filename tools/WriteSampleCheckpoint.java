/*
 * Writes a sample checkpoint with vlmq's CheckpointWriter for tools/check_written_safetensors.py, which reads it
 * with Python's safetensors (a by-hand compatibility check; tests never run Python):
 *
 *   mvn -B -q -ntp compile
 *   java -cp target/classes tools/WriteSampleCheckpoint.java /tmp/vlmq-written
 *   python3 tools/check_written_safetensors.py /tmp/vlmq-written
 *
 * Tensor "t<k>.<dtype>..." holds byte j = (37k + 11j) mod 256 (mod 2 for BOOL), so the checker can recompute it.
 */
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.io.safetensors.TensorSpec;
import vlmq.numeric.DType;

public class WriteSampleCheckpoint {
  public static void main(String[] args) {
    var specs = new ArrayList<TensorSpec>();
    long[][] shapes = {{}, {3}, {2, 4}, {4, 3, 2}, {0, 5}, {40, 8}};
    int k = 0;
    for (DType dtype : DType.values()) {
      for (long[] shape : shapes) {
        boolean oddLastDim = shape.length == 0 || shape[shape.length - 1] % 2 == 1;
        long[] packable = dtype.bits() == 4 && oddLastDim ? java.util.stream.LongStream.concat(
            java.util.Arrays.stream(shape), java.util.stream.LongStream.of(2)).toArray() : shape;
        specs.add(new TensorSpec("t" + k + "." + dtype + (k % 7 == 0 ? ".blöck \"q\"" : ""), dtype, packable));
        k++;
      }
    }
    try (var w = CheckpointWriter.create(Path.of(args[0]), List.of(), specs, Map.of("format", "pt"), 700,
        CheckpointWriter.IfExists.REPLACE)) {
      for (int i = 0; i < specs.size(); i++) {
        var seg = w.segment(specs.get(i).name());
        for (long j = 0; j < seg.byteSize(); j++) {
          int b = (int) ((37L * i + 11L * j) & 0xFF);
          seg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, j, (byte) (specs.get(i).dtype() == DType.BOOL ? b & 1 : b));
        }
      }
      System.out.println("wrote " + w.fileNames().size() + " shards, " + specs.size() + " tensors to " + w.commit());
    }
  }
}
