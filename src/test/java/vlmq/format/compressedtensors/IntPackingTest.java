package vlmq.format.compressedtensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bit-stream layout of §2.3, checked by reading the stream back bit by bit. */
class IntPackingTest {

  /** Value i of a packed line, read as compressed-tensors' {@code unpack_from_int32} does. */
  private static int unpack(int[] words, int i, int bits) {
    long value = 0;
    for (int b = 0; b < bits; b++) {
      long bit = (long) i * bits + b;
      value |= (long) ((words[(int) (bit >>> 5)] >>> (bit & 31)) & 1) << b;
    }
    return (int) value - (1 << (bits - 1));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void packsDenselyAndRoundTrips(int bits) {
    SplittableRandom random = new SplittableRandom(bits);
    for (int count : new int[] {1, 7, 31, 32, 33, 100, 257}) {
      int[] q = new int[count];
      for (int i = 0; i < count; i++) q[i] = random.nextInt(-(1 << (bits - 1)), 1 << (bits - 1));
      int[] words = new int[(int) IntPacking.words(count, bits) + 1];
      words[words.length - 1] = 0x5A5A5A5A;
      IntPacking.pack(q, count, bits, words);
      for (int i = 0; i < count; i++)
        assertThat(unpack(words, i, bits)).as("bits %d value %d", bits, i).isEqualTo(q[i]);
      long used = (long) count * bits;
      int last = (int) IntPacking.words(count, bits) - 1;
      if (used % 32 != 0) assertThat(words[last] >>> (used % 32)).as("zero padding after the stream").isZero();
      assertThat(words[words.length - 1]).as("nothing written past the line").isEqualTo(0x5A5A5A5A);
    }
  }

  @Test
  void wordCountsAndSplitAlignment() {
    assertThat(IntPacking.words(18944, 4)).isEqualTo(2368);
    assertThat(IntPacking.words(3, 3)).isEqualTo(1);
    assertThat(IntPacking.words(11, 3)).isEqualTo(2);
    assertThat(IntPacking.lineAlignment(4)).isEqualTo(8);
    assertThat(IntPacking.lineAlignment(8)).isEqualTo(4);
    assertThat(IntPacking.lineAlignment(2)).isEqualTo(16);
    assertThat(IntPacking.lineAlignment(3)).isEqualTo(32);
    assertThat(IntPacking.lineAlignment(6)).isEqualTo(16);
  }

  @Test
  void int4PutsTheLowestColumnInTheLowestNibble() {
    int[] words = new int[1];
    IntPacking.pack(new int[] {-8, -7, 0, 7, 1, 2, 3, 4}, 8, 4, words);
    // offsets 0, 1, 8, 15, 9, 10, 11, 12 from nibble 0 upwards
    assertThat(Integer.toHexString(words[0])).isEqualTo("cba9f810");
  }
}
