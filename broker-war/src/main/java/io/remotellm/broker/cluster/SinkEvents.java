package io.remotellm.broker.cluster;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.usage.TokenUsage;
import io.remotellm.protocol.SharedJsonProvider;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.io.StringReader;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer of a forwarded request as it travels back, one JSON object per line: the calls the
 * serving broker's relay made on its response sink ({@code head}, {@code data}, {@code keepalive},
 * {@code end}, {@code fail}) and then what the request used ({@code usage}), which the forwarding
 * broker replays on its own sink and counts. A line holds no key; a {@code data} line holds the
 * answer, as the client's own response would.
 */
final class SinkEvents {
  private static final JsonProvider JSON = SharedJsonProvider.INSTANCE;

  private SinkEvents() {}

  static String head(int status, Map<String, String> headers) {
    JsonObjectBuilder h = JSON.createObjectBuilder();
    headers.forEach(h::add);
    return line(
        JSON.createObjectBuilder().add("t", "head").add("status", status).add("headers", h));
  }

  static String data(String event, String payload) {
    JsonObjectBuilder b = JSON.createObjectBuilder().add("t", "data").add("payload", payload);
    if (event != null) {
      b.add("event", event);
    }
    return line(b);
  }

  static String keepAlive() {
    return line(JSON.createObjectBuilder().add("t", "keepalive"));
  }

  static String end() {
    return line(JSON.createObjectBuilder().add("t", "end"));
  }

  static String fail(ApiError error, boolean afterHead) {
    JsonObjectBuilder e =
        JSON.createObjectBuilder()
            .add("status", error.status())
            .add("type", nz(error.type()))
            .add("code", nz(error.code()))
            .add("message", nz(error.message()));
    if (error.param() != null) {
      e.add("param", error.param());
    }
    return line(
        JSON.createObjectBuilder().add("t", "fail").add("error", e).add("after_head", afterHead));
  }

  static String usage(
      String connectorId,
      int status,
      boolean cancelled,
      TokenUsage tokens,
      Duration timeToFirstToken) {
    JsonObjectBuilder b =
        JSON.createObjectBuilder()
            .add("t", "usage")
            .add("connector", nz(connectorId))
            .add("status", status)
            .add("cancelled", cancelled)
            .add("input", tokens.input())
            .add("output", tokens.output())
            .add("estimated", tokens.estimated());
    if (timeToFirstToken != null) {
      b.add("ttft_ms", timeToFirstToken.toMillis());
    }
    return line(b);
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static String line(JsonObjectBuilder b) {
    // JSON text escapes line breaks inside strings, so one event is one line.
    return b.build().toString() + "\n";
  }

  static JsonObject parse(String line) {
    try (JsonReader reader = JSON.createReader(new StringReader(line))) {
      return reader.readObject();
    }
  }

  static Map<String, String> headers(JsonObject event) {
    Map<String, String> headers = new LinkedHashMap<>();
    JsonObject h = event.getJsonObject("headers");
    if (h != null) {
      for (Map.Entry<String, JsonValue> e : h.entrySet()) {
        if (e.getValue().getValueType() == JsonValue.ValueType.STRING) {
          headers.put(e.getKey(), h.getString(e.getKey()));
        }
      }
    }
    return headers;
  }

  static ApiError error(JsonObject event) {
    JsonObject e = event.getJsonObject("error");
    String param = e.containsKey("param") ? e.getString("param") : null;
    return new ApiError(
        e.getInt("status"),
        e.getString("type"),
        e.getString("code"),
        e.getString("message"),
        param);
  }

  static TokenUsage tokens(JsonObject event) {
    return new TokenUsage(
        event.getJsonNumber("input").longValue(),
        event.getJsonNumber("output").longValue(),
        event.getBoolean("estimated", true));
  }
}
