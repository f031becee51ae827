package io.remotellm.protocol;

/**
 * Writes {@code data} frames by hand, for {@link FrameCodec#encode}. They are nearly every frame
 * the connector sends (one per token), and JSON-B's reflective encoding cost 2–5 µs each here,
 * against well under one for this; the output is the same JSON object the codec reads (a test
 * checks that on awkward text).
 */
final class DataFrameEncoder {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private DataFrameEncoder() {}

  static String encode(Data frame) {
    String id = frame.id();
    String data = frame.data();
    StringBuilder out = new StringBuilder(data.length() + id.length() + 48);
    out.append("{\"type\":\"data\",\"id\":");
    quote(out, id);
    out.append(",\"data\":");
    quote(out, data);
    return out.append('}').toString();
  }

  static void quote(StringBuilder out, String s) {
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
}
