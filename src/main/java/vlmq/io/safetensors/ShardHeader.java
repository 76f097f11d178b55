package vlmq.io.safetensors;

import vlmq.io.PythonJson;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of one file the writer produces, encoded as the Rust crate's {@code serialize} does: compact
 * JSON, {@code __metadata__} first (omitted when empty; its keys sorted, so that the output does not depend
 * on the caller's map order, where Python's follows a hash map), tensors in data order, padded with spaces to a
 * multiple of 8 bytes so that the data section starts 8-byte aligned.
 */
record ShardHeader(byte[] json, List<TensorSpec> order, Map<String, Long> begins, long dataBytes) {
  /** Bytes before the data section: the 8-byte length and the JSON. */
  long dataOffset() {
    return 8L + json.length;
  }

  long fileSize() {
    return dataOffset() + dataBytes;
  }

  static ShardHeader encode(List<TensorSpec> tensors, Map<String, String> metadata) {
    List<TensorSpec> order = tensors.stream().sorted(ShardPlan.FILE_ORDER).toList();
    var out = new StringBuilder(64 + 96 * order.size()).append('{');
    if (!metadata.isEmpty()) {
      JsonText.serdeString(out, SafetensorsHeader.METADATA_KEY).append(":{");
      boolean first = true;
      for (String key : metadata.keySet().stream().sorted(PythonJson.CODE_POINT_ORDER).toList()) {
        if (!first) out.append(',');
        first = false;
        JsonText.serdeString(out, key).append(':');
        JsonText.serdeString(out, metadata.get(key));
      }
      out.append('}');
    }
    var begins = new HashMap<String, Long>(order.size() * 2);
    long offset = 0;
    for (TensorSpec t : order) {
      if (out.length() > 1) out.append(',');
      JsonText.serdeString(out, t.name()).append(":{\"dtype\":");
      JsonText.serdeString(out, t.dtype().headerName()).append(",\"shape\":[");
      long[] shape = t.shape();
      for (int i = 0; i < shape.length; i++) out.append(i == 0 ? "" : ",").append(shape[i]);
      long end = offset + t.byteSize();
      out.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
      begins.put(t.name(), offset);
      offset = end;
    }
    out.append('}');
    byte[] text = out.toString().getBytes(StandardCharsets.UTF_8);
    byte[] json = Arrays.copyOf(text, text.length + (8 - text.length % 8) % 8);
    Arrays.fill(json, text.length, json.length, (byte) ' ');
    return new ShardHeader(json, order, Map.copyOf(begins), offset);
  }
}
