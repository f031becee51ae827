package io.remotellm.protocol;

import java.util.List;

/**
 * Writes every frame by hand, for {@link FrameCodec#encode}: the answer frames through {@link
 * AnswerFrameEncoder}, the others ({@code request}, {@code cancel}, {@code hello}, {@code models},
 * {@code welcome}, {@code batch}) here. The broker sends a {@code request} per relayed request, and
 * JSON-B's reflective encoding cost more than the rest of its way to the socket. Null fields are
 * left out, as JSON-B left them out; FrameCodecTest's fixtures and the round-trip properties check
 * the output both ways.
 */
final class FrameWriter {
  private FrameWriter() {}

  static String encode(Frame frame) {
    if (frame instanceof Frame.Answer answer) {
      return AnswerFrameEncoder.encode(answer);
    } else if (frame instanceof Request request) {
      return request(request);
    } else if (frame instanceof Cancel cancel) {
      StringBuilder out = start("cancel", 32 + cancel.id().length() + cancel.reason().length());
      string(out, "id", cancel.id());
      string(out, "reason", cancel.reason());
      return out.append('}').toString();
    } else if (frame instanceof Batch batch) {
      return batch(batch);
    } else if (frame instanceof Hello hello) {
      StringBuilder out = start("hello", 128);
      out.append(",\"protocol\":").append(hello.protocol());
      string(out, "connector", hello.connector());
      strings(out, "models", hello.models());
      out.append(",\"capacity\":").append(hello.capacity());
      strings(out, "apis", hello.apis());
      return out.append('}').toString();
    } else if (frame instanceof ModelsChanged models) {
      StringBuilder out = start("models", 64);
      strings(out, "models", models.models());
      return out.append('}').toString();
    }
    Welcome welcome = (Welcome) frame;
    StringBuilder out = start("welcome", 96);
    string(out, "connectorId", welcome.connectorId());
    out.append(",\"heartbeatSeconds\":").append(welcome.heartbeatSeconds());
    out.append(",\"protocol\":").append(welcome.protocol());
    return out.append('}').toString();
  }

  private static String request(Request r) {
    StringBuilder out = start("request", 256 + r.body().length());
    string(out, "id", r.id());
    string(out, "method", r.method());
    string(out, "path", r.path());
    out.append(",\"headers\":");
    JsonText.quote(out, r.headers());
    string(out, "body", r.body());
    out.append(",\"stream\":").append(r.stream());
    string(out, "api", r.api());
    string(out, "query", r.query());
    return out.append('}').toString();
  }

  private static String batch(Batch batch) {
    StringBuilder out = start("batch", 64 * batch.frames().size()).append(",\"frames\":[");
    boolean first = true;
    for (Frame frame : batch.frames()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append(encode(frame));
    }
    return out.append("]}").toString();
  }

  private static StringBuilder start(String type, int room) {
    return new StringBuilder(room).append("{\"type\":\"").append(type).append('"');
  }

  /** Appends {@code ,"name":"value"}, or nothing for a null value. */
  private static void string(StringBuilder out, String name, String value) {
    if (value != null) {
      out.append(",\"").append(name).append("\":");
      JsonText.quote(out, value);
    }
  }

  /** Appends {@code ,"name":[...]}, or nothing for a null list. */
  private static void strings(StringBuilder out, String name, List<String> values) {
    if (values == null) {
      return;
    }
    out.append(",\"").append(name).append("\":[");
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      JsonText.quote(out, values.get(i));
    }
    out.append(']');
  }
}
