package io.remotellm.protocol;

/**
 * Writes the connector's answer frames ({@code head}, {@code data}, {@code end}, {@code error}) by
 * hand, for {@link FrameCodec#encode}: every request's answer is made of them, and JSON-B's
 * reflective encoding of a record cost more per frame than the rest of the frame's way to the
 * socket. The output is the same JSON object the codec reads (FrameCodecTest's fixtures and
 * AnswerFrameEncoderTest check it both ways).
 */
final class AnswerFrameEncoder {
  private AnswerFrameEncoder() {}

  static String encode(Frame.Answer frame) {
    if (frame instanceof Data data) {
      return DataFrameEncoder.encode(data);
    } else if (frame instanceof Head head) {
      return head(head);
    } else if (frame instanceof End end) {
      return end(end);
    }
    return failure((Failure) frame);
  }

  private static String head(Head frame) {
    StringBuilder out = start("head", frame.id(), 64);
    out.append(",\"status\":").append(frame.status()).append(",\"headers\":");
    JsonText.quote(out, frame.headers());
    return out.append('}').toString();
  }

  private static String end(End frame) {
    StringBuilder out = start("end", frame.id(), 96);
    if (frame.usage() != null) {
      // Compact JSON text, the same JSON-P's toString (and JSON-B before it) writes.
      out.append(",\"usage\":");
      JsonText.value(out, frame.usage());
    }
    return out.append('}').toString();
  }

  private static String failure(Failure frame) {
    StringBuilder out = start("error", frame.id(), 64 + frame.message().length());
    out.append(",\"status\":").append(frame.status()).append(",\"code\":");
    JsonText.quote(out, frame.code());
    out.append(",\"message\":");
    JsonText.quote(out, frame.message());
    return out.append('}').toString();
  }

  private static StringBuilder start(String type, String id, int room) {
    StringBuilder out = new StringBuilder(room + id.length());
    out.append("{\"type\":\"").append(type).append("\",\"id\":");
    JsonText.quote(out, id);
    return out;
  }
}
