package io.remotellm.protocol;

/**
 * Writes {@code data} frames by hand, for {@link FrameCodec#encode}. They are nearly every frame
 * the connector sends (one per token), and JSON-B's reflective encoding cost 2–5 µs each here,
 * against well under one for this; the output is the same JSON object the codec reads (a test
 * checks that on awkward text).
 */
final class DataFrameEncoder {
  private DataFrameEncoder() {}

  static String encode(Data frame) {
    String id = frame.id();
    String data = frame.data();
    StringBuilder out = new StringBuilder(data.length() + id.length() + 48);
    out.append("{\"type\":\"data\",\"id\":");
    JsonText.quote(out, id);
    out.append(",\"data\":");
    JsonText.quote(out, data);
    if (frame.event() != null) {
      out.append(",\"event\":");
      JsonText.quote(out, frame.event());
    }
    return out.append('}').toString();
  }
}
