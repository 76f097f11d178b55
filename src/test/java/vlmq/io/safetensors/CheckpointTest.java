package vlmq.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vlmq.VlmqException;

class CheckpointTest {
  private static final String A = "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}";
  private static final String B = "{\"b\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]}}";

  @TempDir Path tmp;

  @Test
  void readsAShardedCheckpointWrittenByPythonAsOneSetOfTensors() {
    var expected = Fixtures.expected("sharded");
    Path dir = Fixtures.root().resolve("sharded");
    try (var ckpt = Checkpoint.open(dir)) {
      assertThat(ckpt.dir()).isEqualTo(dir.toAbsolutePath());
      assertThat(ckpt.files()).extracting(p -> p.getFileName().toString())
          .containsExactly("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
              "model-00003-of-00003.safetensors");
      assertThat(ckpt.metadata()).isEqualTo(Map.of("format", "pt"));
      assertThat(ckpt.tensors()).extracting(Checkpoint.Tensor::name)
          .containsExactlyElementsOf(expected.get("order").valueStream().map(n -> n.asText()).sorted().toList());
      for (TensorSpec spec : Fixtures.specs(expected)) {
        var t = ckpt.find(spec.name()).orElseThrow();
        assertThat(t.file().path().getFileName().toString())
            .isEqualTo(expected.get("tensors").get(spec.name()).get("file").asText());
        assertThat(t.dtype()).isEqualTo(spec.dtype());
        assertThat(t.shape()).isEqualTo(spec.shape());
        assertThat(t.data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(Fixtures.bytes(expected, spec.name()));
      }
      assertThat(ckpt.totalBytes()).isEqualTo(1352); // the index's total_size
    }
  }

  @Test
  void opensOneFileOrAFolderWithoutIndex() throws IOException {
    Path single = Fixtures.root().resolve("single/model.safetensors");
    try (var ckpt = Checkpoint.open(single)) {
      assertThat(ckpt.files()).containsExactly(single.toAbsolutePath());
      assertThat(ckpt.find("f32")).isPresent();
    }
    // model.safetensors wins over other files; without it every *.safetensors counts, by name
    RawSafetensors.write(tmp.resolve("m/z.safetensors"), B, new byte[3]);
    RawSafetensors.write(tmp.resolve("m/y.safetensors"), A, new byte[2]);
    Files.writeString(tmp.resolve("m/notes.txt"), "not weights");
    try (var ckpt = Checkpoint.open(tmp.resolve("m"))) {
      assertThat(ckpt.files()).extracting(p -> p.getFileName().toString()).containsExactly("y.safetensors", "z.safetensors");
      assertThat(ckpt.tensors()).extracting(Checkpoint.Tensor::name).containsExactly("a", "b");
      assertThat(ckpt.totalBytes()).isEqualTo(5);
    }
    RawSafetensors.write(tmp.resolve("m/model.safetensors"), A, new byte[2]);
    try (var ckpt = Checkpoint.open(tmp.resolve("m"))) {
      assertThat(ckpt.files()).extracting(p -> p.getFileName().toString()).containsExactly("model.safetensors");
    }
  }

  @Test
  void refusesFoldersWithoutWeights() throws IOException {
    assertThatThrownBy(() -> Checkpoint.open(tmp.resolve("absent"))).isInstanceOf(VlmqException.class)
        .hasMessageContaining("does not exist or is not a folder");
    Files.writeString(tmp.resolve("config.json"), "{}");
    assertThatThrownBy(() -> Checkpoint.open(tmp)).isInstanceOf(VlmqException.class)
        .hasMessageContaining("holds no *.safetensors files");
  }

  @Test
  void refusesATensorInTwoFiles() {
    RawSafetensors.write(tmp.resolve("x.safetensors"), A, new byte[2]);
    RawSafetensors.write(tmp.resolve("y.safetensors"), A, new byte[2]);
    assertThatThrownBy(() -> Checkpoint.open(tmp)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageStartingWith("y.safetensors: tensor 'a': is also in x.safetensors");
  }

  @Test
  void readsShardTensorsTheIndexOmitsAsLoadersDo() throws IOException {
    writeShards();
    index("{\"weight_map\":{\"a\":\"s1.safetensors\"}}");
    try (var ckpt = Checkpoint.open(tmp)) {
      assertThat(ckpt.tensors()).extracting(Checkpoint.Tensor::name).containsExactly("a");
    }
    index("{\"metadata\":{\"total_size\":5},\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}}");
    RawSafetensors.write(tmp.resolve("s2.safetensors"),
        "{\"b\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},\"c\":{\"dtype\":\"U8\",\"shape\":[1],"
            + "\"data_offsets\":[3,4]}}", new byte[4]);
    try (var ckpt = Checkpoint.open(tmp)) {
      assertThat(ckpt.tensors()).extracting(Checkpoint.Tensor::name).containsExactly("a", "b", "c");
    }
  }

  @Test
  void refusesIndexEntriesTheirShardLacks() throws IOException {
    writeShards();
    index("{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\",\"x\":\"s2.safetensors\"}}");
    assertThatThrownBy(() -> Checkpoint.open(tmp)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("model.safetensors.index.json: tensor 'b': the index places it in s1.safetensors but it"
            + " is in s2.safetensors");
    index("{\"weight_map\":{\"a\":\"s1.safetensors\",\"x\":\"s2.safetensors\"}}");
    assertThatThrownBy(() -> Checkpoint.open(tmp)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("tensor 'x': the index places it in s2.safetensors, which does not hold it");
    index("{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s3.safetensors\"}}");
    assertThatThrownBy(() -> Checkpoint.open(tmp)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("s3.safetensors is listed in model.safetensors.index.json but missing from");
  }

  @Test
  void refusesIndexFileNamesOutsideTheFolder() throws IOException {
    Path dir = tmp.resolve("ckpt");
    RawSafetensors.write(tmp.resolve("outside.safetensors"), A, new byte[2]);
    Files.createDirectories(dir);
    for (String name : new String[] {"../outside.safetensors", "sub/../../outside.safetensors",
        tmp.resolve("outside.safetensors").toString(), "C:\\\\x.safetensors", "", "./x.safetensors"}) {
      Files.writeString(dir.resolve(ShardIndex.FILE_NAME), "{\"weight_map\":{\"a\":\"" + name + "\"}}");
      assertThatThrownBy(() -> Checkpoint.open(dir)).as(name).isInstanceOf(CheckpointFormatException.class)
          .hasMessageContaining("which is not a file name inside the checkpoint folder");
    }
  }

  @Test
  void refusesLinksOutOfTheFolderButFollowsTheHubCacheLayout() throws IOException {
    Path outside = RawSafetensors.write(tmp.resolve("secret.safetensors"), A, new byte[2]);
    Path dir = Files.createDirectories(tmp.resolve("ckpt"));
    Files.createSymbolicLink(dir.resolve("model.safetensors"), outside);
    assertThatThrownBy(() -> Checkpoint.open(dir)).isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("model.safetensors: it is a link to " + outside.toRealPath() + ", outside the checkpoint");

    // ~/.cache/huggingface/hub/models--org--name/snapshots/<rev>/x -> ../../blobs/<sha>
    Path repo = tmp.resolve("hub/models--org--name");
    RawSafetensors.write(repo.resolve("blobs/0123abcd"), A, new byte[2]);
    Path snapshot = Files.createDirectories(repo.resolve("snapshots/rev1"));
    Files.createSymbolicLink(snapshot.resolve("model.safetensors"), Path.of("../../blobs/0123abcd"));
    try (var ckpt = Checkpoint.open(snapshot)) {
      assertThat(ckpt.find("a")).isPresent();
    }
  }

  @Test
  void refusesMalformedIndexes() throws IOException {
    writeShards();
    String[][] cases = {
        {"[]", "the index is not a JSON object"},
        {"{\"metadata\":{}}", "the index has no 'weight_map'"},
        {"{\"weight_map\":{}}", "'weight_map' is empty"},
        {"{\"weight_map\":[]}", "'weight_map' is not a JSON object"},
        {"{\"weight_map\":{\"a\":1}}", "tensor 'a': its 'weight_map' entry is not a file name string"},
        {"{\"weight_map\":{\"a\":\"s1.safetensors\",\"a\":\"s1.safetensors\"}}", "tensor 'a': appears twice"},
        {"{\"weight_map\":{\"a\":\"s1.safetensors\"},\"weight_map\":{}}", "holds 'weight_map' twice"},
        {"{\"weight_map\":{\"a\":\"s1.safetensors\"}} x", "not valid JSON"},
        {"{\"metadata\":" + "[".repeat(200) + "]".repeat(200) + "}", "nesting depth"},
    };
    for (String[] c : cases) {
      index(c[0]);
      assertThatThrownBy(() -> Checkpoint.open(tmp)).as(c[0]).isInstanceOf(CheckpointFormatException.class)
          .hasMessageStartingWith("model.safetensors.index.json: ").hasMessageContaining(c[1]);
    }
  }

  private void writeShards() {
    RawSafetensors.write(tmp.resolve("s1.safetensors"), A, new byte[2]);
    RawSafetensors.write(tmp.resolve("s2.safetensors"), B, new byte[3]);
  }

  private void index(String json) throws IOException {
    Files.writeString(tmp.resolve(ShardIndex.FILE_NAME), json);
  }
}
