package io.remotellm.protocol;

import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.Map;

/**
 * Writes a Java string as a JSON string literal: the one hand-written JSON escaper, shared by the
 * frame encoders ({@link FrameWriter}) and the connector's log lines. Every control character is
 * escaped, so what it writes never holds a raw line break.
 */
public final class JsonText {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonText() {}

  /** Appends {@code s} to {@code out} as a quoted, escaped JSON string. */
  public static void quote(StringBuilder out, String s) {
    out.append('"');
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '"' && c != '\\' && c >= 0x20) {
        continue;
      }
      out.append(s, start, i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
      start = i + 1;
    }
    out.append(s, start, s.length()).append('"');
  }

  /** Appends {@code map} to {@code out} as a JSON object of strings. */
  public static void quote(StringBuilder out, Map<String, String> map) {
    out.append('{');
    boolean first = true;
    for (Map.Entry<String, String> e : map.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      quote(out, e.getKey());
      out.append(':');
      quote(out, e.getValue());
    }
    out.append('}');
  }

  /**
   * Appends {@code value} as compact JSON text, as JSON-P's own writer ({@code toString}) writes
   * it: the connector's {@code end} frame carries the LLM's usage object, and Parsson's writer
   * machinery cost more per request than writing the rest of the frame (docs/benchmarks.md, issue
   * 17). JsonTextTest compares the two on generated values.
   */
  public static void value(StringBuilder out, JsonValue value) {
    switch (value.getValueType()) {
      case OBJECT -> {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, JsonValue> e : value.asJsonObject().entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          quote(out, e.getKey());
          out.append(':');
          value(out, e.getValue());
        }
        out.append('}');
      }
      case ARRAY -> {
        out.append('[');
        boolean first = true;
        for (JsonValue item : value.asJsonArray()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          value(out, item);
        }
        out.append(']');
      }
      case STRING -> quote(out, ((JsonString) value).getString());
      default -> out.append(value); // a number, true, false, null: its text is its JSON
    }
  }
}
