package vlmq.io.safetensors;

import static vlmq.io.safetensors.CheckpointFormatException.corrupt;
import static vlmq.io.safetensors.CheckpointFormatException.quote;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import vlmq.numeric.DType;

/**
 * The parsed and validated JSON header of one safetensors file: {@code __metadata__} and the tensor entries
 * in data order. It applies the checks of the reference Rust crate ({@code Metadata::validate}): entries
 * sorted by offsets must be packed back to back from 0, each exactly {@code product(shape) × element size}
 * long, the last ending exactly at the end of the file. It is stricter where the crate is lax or silent:
 * the header must start with '{', and duplicate names are refused (serde keeps the last one).
 */
record SafetensorsHeader(Map<String, String> metadata, List<TensorInfo> tensors) {
  static final String METADATA_KEY = "__metadata__";
  /** PyTorch tensors have at most 64 dimensions; the cap also bounds what a hostile shape can allocate. */
  static final int MAX_RANK = 64;

  /**
   * Parses {@code json} (the header bytes of {@code file}, padding included) and checks the entries against a
   * data section of {@code dataLength} bytes.
   */
  static SafetensorsHeader parse(Path file, byte[] json, long dataLength) {
    if (json.length == 0 || json[0] != '{') {
      throw corrupt(file, "the header does not start with '{' (it is not a safetensors JSON header)");
    }
    Map<String, String> metadata = Map.of();
    boolean sawMetadata = false;
    var entries = new ArrayList<TensorInfo>();
    var names = new HashSet<String>();
    try (JsonParser p = StrictJson.parser(json)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        p.nextToken();
        if (key.equals(METADATA_KEY)) {
          if (sawMetadata) throw corrupt(file, "the header holds '" + METADATA_KEY + "' twice");
          sawMetadata = true;
          metadata = parseMetadata(file, p);
        } else {
          if (!names.add(key)) {
            throw corrupt(file, key, "appears twice in the header (readers would silently keep only one)");
          }
          entries.add(parseEntry(file, key, p));
        }
      }
      if (p.nextToken() != null) throw corrupt(file, "the header has content after its closing '}'");
    } catch (IOException e) {
      throw corrupt(file, "the header is not valid JSON: " + StrictJson.describe(e), e);
    }
    return new SafetensorsHeader(metadata, validateLayout(file, entries, dataLength));
  }

  private static Map<String, String> parseMetadata(Path file, JsonParser p) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) return Map.of();
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw corrupt(file, "'" + METADATA_KEY + "' is not a JSON object of strings");
    }
    var metadata = new LinkedHashMap<String, String>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      if (p.nextToken() != JsonToken.VALUE_STRING) {
        throw corrupt(file, "'" + METADATA_KEY + "' entry " + quote(key) + " is not a string");
      }
      if (metadata.putIfAbsent(key, p.getText()) != null) {
        throw corrupt(file, "'" + METADATA_KEY + "' holds " + quote(key) + " twice");
      }
    }
    return Collections.unmodifiableMap(metadata);
  }

  /** One {@code {"dtype", "shape", "data_offsets"}} entry; unknown fields are skipped as the Rust crate does. */
  private static TensorInfo parseEntry(Path file, String name, JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw corrupt(file, name, "its header entry is not a JSON object");
    }
    DType dtype = null;
    long[] shape = null;
    long[] offsets = null;
    var seen = new HashSet<String>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      if (!seen.add(field)) throw corrupt(file, name, "its header entry holds " + quote(field) + " twice");
      switch (field) {
        case "dtype" -> dtype = parseDtype(file, name, p);
        case "shape" -> shape = parseNaturals(file, name, "shape", p, MAX_RANK);
        case "data_offsets" -> {
          offsets = parseNaturals(file, name, "data_offsets", p, 2);
          if (offsets.length != 2) {
            throw corrupt(file, name, "data_offsets " + Arrays.toString(offsets) + " is not a [begin, end] pair");
          }
        }
        default -> p.skipChildren();
      }
    }
    if (dtype == null || shape == null || offsets == null) {
      String missing = Stream.of(dtype == null ? "dtype" : null, shape == null ? "shape" : null,
          offsets == null ? "data_offsets" : null).filter(s -> s != null).collect(Collectors.joining(", "));
      throw corrupt(file, name, "its header entry lacks " + missing);
    }
    if (offsets[1] < offsets[0]) {
      throw corrupt(file, name, "data_offsets " + Arrays.toString(offsets) + " end before they begin");
    }
    return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
  }

  private static DType parseDtype(Path file, String name, JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_STRING) throw corrupt(file, name, "dtype is not a string");
    String text = p.getText();
    return DType.fromHeader(text).orElseThrow(() -> corrupt(file, name, "unknown dtype " + quote(text)
        + " (known: " + Arrays.stream(DType.values()).map(DType::headerName).collect(Collectors.joining(", ")) + ")"));
  }

  /** A JSON array of at most {@code max} integers in {@code [0, Long.MAX_VALUE]}. */
  private static long[] parseNaturals(Path file, String name, String field, JsonParser p, int max) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw corrupt(file, name, field + " is not a JSON array of non-negative integers");
    }
    long[] values = new long[max];
    int n = 0;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      if (n == max) {
        throw corrupt(file, name, field + " has more than " + max + (max == 2 ? " values" : " dimensions"));
      }
      // "-0" too: serde reads it as a float, which the Rust crate refuses
      boolean natural = t == JsonToken.VALUE_NUMBER_INT && !p.getText().startsWith("-")
          && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER;
      if (!natural) {
        throw corrupt(file, name, field + " holds " + quote(p.getText()) + ", not a non-negative 64-bit integer");
      }
      values[n++] = p.getLongValue();
    }
    return Arrays.copyOf(values, n);
  }

  /** The Rust crate's layout rules, with messages that say which tensor and by how much. */
  private static List<TensorInfo> validateLayout(Path file, List<TensorInfo> entries, long dataLength) {
    entries.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    long expectedBegin = 0;
    TensorInfo previous = null;
    for (TensorInfo t : entries) {
      String range = "data_offsets [" + t.begin() + ", " + t.end() + "]";
      if (t.begin() != expectedBegin) {
        String after = previous == null ? "the data section starts at 0" : "the previous tensor "
            + quote(previous.name()) + " ends at " + expectedBegin;
        String what = t.begin() < expectedBegin ? "overlap" : "leave a gap of " + (t.begin() - expectedBegin) + " bytes";
        throw corrupt(file, t.name(), range + " " + what + ": " + after
            + ", and tensors must be packed back to back");
      }
      long needed = neededBytes(file, t);
      if (t.byteSize() != needed) {
        throw corrupt(file, t.name(), range + " hold " + t.byteSize() + " bytes but shape "
            + Arrays.toString(t.shape()) + " of " + t.dtype() + " needs " + needed + " bytes");
      }
      expectedBegin = t.end();
      previous = t;
    }
    if (expectedBegin > dataLength) {
      throw corrupt(file, "the tensors need " + expectedBegin + " bytes of data but only " + dataLength
          + " follow the header (the file is truncated: an interrupted download or copy?)");
    }
    if (expectedBegin < dataLength) {
      throw corrupt(file, (dataLength - expectedBegin) + " bytes follow the last tensor (the tensors end at "
          + expectedBegin + " of " + dataLength + " data bytes)");
    }
    return List.copyOf(entries);
  }

  private static long neededBytes(Path file, TensorInfo t) {
    long elements;
    try {
      elements = t.elementCount();
    } catch (ArithmeticException e) {
      throw corrupt(file, t.name(), "shape " + Arrays.toString(t.shape()) + " overflows a 64-bit element count");
    }
    long bytes;
    try {
      bytes = t.dtype().byteSize(elements);
    } catch (ArithmeticException e) {
      throw corrupt(file, t.name(), "shape " + Arrays.toString(t.shape()) + " of " + t.dtype()
          + " overflows a 64-bit byte count");
    }
    if (bytes < 0) {
      throw corrupt(file, t.name(), "shape " + Arrays.toString(t.shape()) + " holds an odd number (" + elements
          + ") of 4-bit " + t.dtype() + " values, which do not pack into whole bytes");
    }
    return bytes;
  }
}
