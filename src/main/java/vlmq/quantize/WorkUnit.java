package vlmq.quantize;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.quant.TensorStats;
import vlmq.quant.WeightQuantizer;

/**
 * A slice of one tensor's work small enough to balance across threads: bytes to copy unchanged, or a row range to
 * quantize. Units of one tensor share a {@link TensorCompletion}, so the tensor is finished and counted as done when
 * its last unit ends.
 */
sealed interface WorkUnit {
  /** Source bytes this unit reads, for progress. */
  long sourceBytes();

  TensorCompletion tensor();

  void run();

  record Copy(MemorySegment src, MemorySegment dst, long offset, long length, TensorCompletion tensor)
      implements WorkUnit {
    @Override
    public long sourceBytes() {
      return length;
    }

    @Override
    public void run() {
      MemorySegment.copy(src, offset, dst, offset, length);
    }
  }

  record Quantize(WeightQuantizer quantizer, MemorySegment src, TensorStats stats, long r0, long r1, long bytesPerRow,
      Map<LinearParam, MemorySegment> outputs, TensorCompletion tensor) implements WorkUnit {
    @Override
    public long sourceBytes() {
      return (r1 - r0) * bytesPerRow;
    }

    @Override
    public void run() {
      quantizer.quantizeRows(src, stats, r0, r1, outputs);
    }
  }
}
