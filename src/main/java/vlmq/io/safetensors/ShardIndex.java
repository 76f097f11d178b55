package vlmq.io.safetensors;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import vlmq.io.PythonJson;

import static vlmq.io.safetensors.CheckpointFormatException.corrupt;
import static vlmq.io.safetensors.CheckpointFormatException.quote;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import vlmq.VlmqException;

/**
 * {@code model.safetensors.index.json}: which shard file holds each tensor. Only {@code weight_map} matters
 * to loaders (transformers and vLLM open the files it names and read all their tensors); {@code metadata}
 * ({@code total_size}, …) is informational and skipped. Every file name must stay inside the checkpoint folder.
 */
record ShardIndex(Map<String, String> weightMap) {
  static final String FILE_NAME = "model.safetensors.index.json";

  /** The distinct shard files, sorted by name as transformers loads them. */
  List<String> files() {
    return List.copyOf(new TreeSet<>(weightMap.values()));
  }

  /**
   * The index as transformers' {@code save_pretrained} writes it ({@code json.dumps(index, indent=2,
   * sort_keys=True) + "\n"}), with {@code total_size} the bytes of tensor data, headers excluded.
   */
  static String toJson(long totalSize, Map<String, String> weightMap) {
    var index = JsonNodeFactory.instance.objectNode();
    index.putObject("metadata").put("total_size", totalSize);
    var map = index.putObject("weight_map");
    weightMap.forEach(map::put);
    return PythonJson.dumps(index) + "\n";
  }

  static ShardIndex read(Path indexFile) {
    byte[] json;
    try {
      long size = Files.size(indexFile);
      if (size > SafetensorsFile.MAX_HEADER_BYTES) {
        throw corrupt(indexFile, "the index is " + size + " bytes, over the " + SafetensorsFile.MAX_HEADER_BYTES
            + "-byte limit");
      }
      json = Files.readAllBytes(indexFile);
    } catch (IOException e) {
      throw new VlmqException("cannot read " + indexFile + ": " + e.getMessage(), e);
    }
    Map<String, String> weightMap = null;
    try (JsonParser p = StrictJson.parser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) throw corrupt(indexFile, "the index is not a JSON object");
      boolean sawMetadata = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        p.nextToken();
        if (key.equals("weight_map")) {
          if (weightMap != null) throw corrupt(indexFile, "the index holds 'weight_map' twice");
          weightMap = parseWeightMap(indexFile, p);
        } else {
          if (key.equals("metadata") && sawMetadata) throw corrupt(indexFile, "the index holds 'metadata' twice");
          sawMetadata |= key.equals("metadata");
          p.skipChildren();
        }
      }
      if (p.nextToken() != null) throw corrupt(indexFile, "the index has content after its closing '}'");
    } catch (IOException e) {
      throw corrupt(indexFile, "the index is not valid JSON: " + StrictJson.describe(e), e);
    }
    if (weightMap == null) throw corrupt(indexFile, "the index has no 'weight_map'");
    return new ShardIndex(Collections.unmodifiableMap(weightMap));
  }

  private static Map<String, String> parseWeightMap(Path indexFile, JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw corrupt(indexFile, "'weight_map' is not a JSON object of tensor name → file name");
    }
    var map = new LinkedHashMap<String, String>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String tensor = p.currentName();
      if (p.nextToken() != JsonToken.VALUE_STRING) {
        throw corrupt(indexFile, tensor, "its 'weight_map' entry is not a file name string");
      }
      String file = p.getText();
      checkFileName(indexFile, tensor, file);
      if (map.putIfAbsent(tensor, file) != null) {
        throw corrupt(indexFile, tensor, "appears twice in 'weight_map'");
      }
    }
    return map;
  }

  /** A plain relative path below the folder: no absolute path, drive, '..' or empty name. */
  private static void checkFileName(Path indexFile, String tensor, String file) {
    boolean escapes = file.isEmpty() || file.startsWith("/") || file.startsWith("\\") || file.contains(":")
        || file.indexOf('\0') >= 0;
    if (!escapes) {
      try {
        for (Path part : Path.of(file)) escapes |= part.toString().equals("..") || part.toString().equals(".");
      } catch (InvalidPathException e) {
        escapes = true;
      }
    }
    if (escapes) {
      throw corrupt(indexFile, tensor, "'weight_map' names the file " + quote(file)
          + ", which is not a file name inside the checkpoint folder");
    }
  }
}
