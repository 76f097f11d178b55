package vlmq.format.compressedtensors;

/**
 * compressed-tensors' {@code pack_to_int32} (CT ≥ 0.17 dense packing): b-bit values, offset by 2^(b-1) to
 * unsigned, laid out as one little-endian bit stream per packed line and cut into int32 words.
 * <pre>
 *   u[i] = q[i] + 2^(b-1)                       (q in [-2^(b-1), 2^(b-1)-1])
 *   u[i] occupies stream bits [i·b, i·b + b)     (lowest index in the lowest bits)
 *   word w = stream bits [32w, 32w + 32)         (a value crossing a word boundary continues at bit 0 of w+1)
 *   words per line = ceil(n·b / 32), missing trailing values are zero bits
 * </pre>
 * Weights are packed along the input dimension (each row is a line); asymmetric zero points along the output
 * dimension (each column of the [O, groups] zero-point matrix is a line).
 */
public final class IntPacking {
  private IntPacking() {}

  /** Words needed for {@code count} values of {@code bits} bits: ceil(count·bits/32). */
  public static long words(long count, int bits) {
    return Math.ceilDiv(Math.multiplyExact(count, (long) bits), 32L);
  }

  /**
   * Lines a packed-along-dim-0 tensor can be split at without two splits sharing a word: 32/gcd(bits, 32)
   * (8 rows for int4, 4 for int8, 32 for 3-bit values).
   */
  public static int lineAlignment(int bits) {
    int a = 32, b = bits;
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return 32 / a;
  }

  /**
   * Packs {@code count} signed values {@code q[0..count)} into {@code words[0..words(count, bits))}
   * (overwritten, not or-ed).
   */
  public static void pack(int[] q, int count, int bits, int[] words) {
    int n = (int) words(count, bits);
    java.util.Arrays.fill(words, 0, n, 0);
    int offset = 1 << (bits - 1);
    int mask = (int) ((1L << bits) - 1);
    if (bits == 4 || bits == 8) {
      int perWord = 32 / bits;
      for (int i = 0; i < count; i++)
        words[i / perWord] |= ((q[i] + offset) & mask) << ((i % perWord) * bits);
      return;
    }
    long bit = 0;
    for (int i = 0; i < count; i++, bit += bits) {
      int u = (q[i] + offset) & mask;
      int w = (int) (bit >>> 5);
      int shift = (int) (bit & 31);
      words[w] |= u << shift;
      if (shift + bits > 32) words[w + 1] |= u >>> (32 - shift);
    }
  }
}
