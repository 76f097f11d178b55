package vlmq.quantize;

import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.Map;
import vlmq.format.compressedtensors.LayoutTensor;
import vlmq.format.compressedtensors.LinearLayout;
import vlmq.format.compressedtensors.LinearLayout.ByteRange;
import vlmq.format.compressedtensors.LinearParam;
import vlmq.io.safetensors.Checkpoint.Tensor;
import vlmq.io.safetensors.CheckpointWriter;
import vlmq.quant.TensorStats;
import vlmq.quant.WeightQuantizer;
import vlmq.quantize.OutputLayout.Target;

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

  /** Bytes {@code [offset, offset + length)} of a tensor kept as it is, read into the thread's buffer and written. */
  record Copy(Tensor src, CheckpointWriter writer, long offset, long length, TensorCompletion tensor)
      implements WorkUnit {
    @Override
    public long sourceBytes() {
      return length;
    }

    @Override
    public void run() {
      MemorySegment bytes = UnitBuffer.reserve(length).take(length);
      src.read(offset, bytes);
      writer.write(src.name(), offset, bytes);
    }
  }

  /**
   * Rows {@code [r0, r1)} of a weight, read into the thread's {@link UnitBuffer}, quantized into it and written to
   * the output tensors; parameters bound to a {@link Target.Buffer} are left to the module's finishing step.
   */
  record Quantize(WeightQuantizer quantizer, Tensor src, TensorStats stats, long r0, long r1, long bytesPerRow,
      Map<LinearParam, Target> targets, CheckpointWriter writer, TensorCompletion tensor) implements WorkUnit {
    @Override
    public long sourceBytes() {
      return (r1 - r0) * bytesPerRow;
    }

    @Override
    public void run() {
      LinearLayout layout = quantizer.layout();
      Map<LinearParam, ByteRange> bytes = new EnumMap<>(LinearParam.class);
      long buffered = UnitBuffer.aligned(sourceBytes());
      for (LayoutTensor t : layout.tensors()) {
        ByteRange range = layout.bytesOf(t.param(), r0, r1);
        bytes.put(t.param(), range);
        if (targets.get(t.param()) instanceof Target.Tensor) buffered += UnitBuffer.aligned(range.size());
      }
      UnitBuffer buffer = UnitBuffer.reserve(buffered);
      MemorySegment rows = buffer.take(sourceBytes());
      src.read(r0 * bytesPerRow, rows);
      Map<LinearParam, MemorySegment> windows = new EnumMap<>(LinearParam.class);
      bytes.forEach((p, range) -> windows.put(p, switch (targets.get(p)) {
        case Target.Tensor t -> buffer.take(range.size());
        case Target.Buffer b -> b.whole().asSlice(range.from(), range.size());
      }));
      quantizer.quantizeWindow(rows, stats, r0, r1, windows);
      bytes.forEach((p, range) -> {
        // tensor-wide outputs are written by the unit that starts at row 0
        if (targets.get(p) instanceof Target.Tensor t && (layout.rowWise(p) || r0 == 0)) {
          writer.write(t.name(), range.from(), windows.get(p));
        }
      });
    }
  }
}
