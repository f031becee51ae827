package io.remotellm.protocol;

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
}
