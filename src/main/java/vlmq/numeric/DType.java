package vlmq.numeric;

import java.util.Optional;

/**
 * Element types of safetensors files, named exactly as the header's {@code dtype} strings.
 *
 * <p>{@code F4} is FP4 E2M1 packed two per byte as compressed-tensors' nvfp4 packer writes it, but
 * compressed-tensors stores packed FP4 as {@code U8} tensors, so {@code F4} only appears in headers written
 * by other tools; its element count must be even per the packing.
 */
public enum DType {
  F64(64), F32(32), F16(16), BF16(16),
  F8_E4M3(8), F8_E5M2(8), F8_E8M0(8), F4(4),
  I64(64), I32(32), I16(16), I8(8), U8(8), BOOL(8),
  // Types that appear in safetensors headers in the wild; recognised so headers parse and sizes check.
  U16(16), U32(32), U64(64);

  private final int bits;

  DType(int bits) {
    this.bits = bits;
  }

  /** Bits per element; 4 for packed FP4. */
  public int bits() {
    return bits;
  }

  /** Bytes for {@code elements} values, or -1 when the count cannot be packed (odd count of 4-bit values). */
  public long byteSize(long elements) {
    if (bits >= 8) return Math.multiplyExact(elements, bits / 8);
    return (elements % 2 == 0) ? elements / 2 : -1;
  }

  public boolean isFloatingPoint() {
    return switch (this) {
      case F64, F32, F16, BF16, F8_E4M3, F8_E5M2, F8_E8M0, F4 -> true;
      default -> false;
    };
  }

  /** The dtype for a safetensors header string, if it is one we know. */
  public static Optional<DType> fromHeader(String name) {
    if (name == null) return Optional.empty();
    try {
      return Optional.of(valueOf(name));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The string written into safetensors headers. */
  public String headerName() {
    return name();
  }
}
