package vlmq.format.modelopt;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import vlmq.VlmqException;
import vlmq.numeric.Bf16;
import vlmq.numeric.DType;
import vlmq.numeric.F16;

/**
 * Elements of BF16/F16/F32 scale tensors as exact f32 values, so a scale moves between formats without rounding
 * unless it must: every BF16 and F16 value is an f32, and {@link #fits} tells whether an f32 survives the way back.
 */
public final class FloatElements {
  private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private FloatElements() {}

  /** Element {@code index} of a little-endian tensor of {@code dtype}. */
  public static float get(MemorySegment data, DType dtype, long index) {
    return switch (dtype) {
      case F32 -> data.get(FLOAT, 4 * index);
      case BF16 -> Bf16.toFloat(data.get(SHORT, 2 * index));
      case F16 -> F16.toFloat(data.get(SHORT, 2 * index));
      default -> throw new VlmqException("expected a BF16, F16 or F32 scale tensor, found " + dtype);
    };
  }

  /** Stores {@code value} (rounded to nearest-even when {@code dtype} is narrower) as element {@code index}. */
  public static void set(MemorySegment data, DType dtype, long index, float value) {
    switch (dtype) {
      case F32 -> data.set(FLOAT, 4 * index, value);
      case BF16 -> data.set(SHORT, 2 * index, Bf16.fromFloat(value));
      case F16 -> data.set(SHORT, 2 * index, F16.fromFloat(value));
      default -> throw new VlmqException("cannot store a scale as " + dtype + "; use BF16, F16 or F32");
    }
  }

  /** Whether {@code value} is exactly a value of {@code dtype} (NaN bits aside). */
  public static boolean fits(float value, DType dtype) {
    return switch (dtype) {
      case F32 -> true;
      case BF16 -> Float.isNaN(value) || Float.floatToRawIntBits(Bf16.round(value)) == Float.floatToRawIntBits(value);
      case F16 -> Float.isNaN(value) || Float.floatToRawIntBits(F16.round(value)) == Float.floatToRawIntBits(value);
      default -> false;
    };
  }
}
