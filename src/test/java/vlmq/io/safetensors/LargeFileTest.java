package vlmq.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.numeric.DType;

/** Files over 2 GiB (past int offsets) as sparse files: only the few bytes written take disk space. */
class LargeFileTest {
  private static final long BIG = (1L << 31) + 8;
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  @TempDir Path tmp;

  @Test
  void readsATensorLyingPast2GiB() throws Exception {
    String header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + BIG + "],\"data_offsets\":[0," + BIG + "]},"
        + "\"tail\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + BIG + "," + (BIG + 8) + "]}}";
    Path path = tmp.resolve("model.safetensors");
    try (var channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(RawSafetensors.bytes(header, new byte[0])));
      long tailAt = 8 + header.length() + BIG;
      channel.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.5f).putFloat(-7f).flip(), tailAt);
    }
    try (var file = SafetensorsFile.open(path)) {
      TensorInfo tail = file.find("tail").orElseThrow();
      assertThat(file.dataOffset() + tail.begin()).isGreaterThan(1L << 31);
      assertThat(file.data(tail).get(F32, 0)).isEqualTo(0.5f);
      assertThat(file.data(tail).get(F32, 4)).isEqualTo(-7f);
      assertThat(file.data(file.find("big").orElseThrow()).byteSize()).isEqualTo(BIG);
    }
  }

  @Test
  void writesAndReadsBackACheckpointPast2GiB() {
    var specs = List.of(new TensorSpec("big", DType.U8, new long[] {BIG}),
        new TensorSpec("tail", DType.F32, new long[] {2}));
    Path out = tmp.resolve("out");
    try (var w = CheckpointWriter.create(out, List.of(), specs, Map.of(), CheckpointWriter.DEFAULT_MAX_SHARD_BYTES)) {
      w.segment("big").set(ValueLayout.JAVA_BYTE, BIG - 1, (byte) 42);
      w.segment("tail").set(F32, 4, 3.25f);
      w.commit();
    }
    try (var ckpt = Checkpoint.open(out)) {
      assertThat(ckpt.files()).containsExactly(out.resolve("model.safetensors"));
      assertThat(ckpt.find("big").orElseThrow().data().get(ValueLayout.JAVA_BYTE, BIG - 1)).isEqualTo((byte) 42);
      assertThat(ckpt.find("tail").orElseThrow().data().get(F32, 4)).isEqualTo(3.25f);
      assertThat(ckpt.totalBytes()).isEqualTo(BIG + 8);
    }
  }
}
