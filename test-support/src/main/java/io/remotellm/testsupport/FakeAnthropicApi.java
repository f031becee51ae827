package io.remotellm.testsupport;

import com.sun.net.httpserver.HttpExchange;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Anthropic's Messages API on the fake: {@code POST /v1/messages} as one {@code message} or as the
 * named event stream ({@code message_start} with usage, {@code content_block_start}, a {@code
 * ping}, a {@code content_block_delta} per token, {@code content_block_stop}, {@code message_delta}
 * with the output usage, {@code message_stop}); {@code POST /v1/messages/count_tokens}; errors as
 * {@code {"type":"error","error":{...}}}.
 */
final class FakeAnthropicApi implements FakeApi {

  static final int INPUT_TOKENS = 7;

  private final FakeLlm fake;
  private final AtomicLong ids = new AtomicLong();

  FakeAnthropicApi(FakeLlm fake) {
    this.fake = fake;
  }

  @Override
  public boolean handle(HttpExchange exchange, String method, String path, String body)
      throws IOException {
    if (!"POST".equals(method)) {
      return false;
    }
    switch (path) {
      case "/v1/messages" -> messages(exchange, FakeLlm.parseBody(body));
      case "/v1/messages/count_tokens" ->
          FakeLlm.respondJson(exchange, 200, "{\"input_tokens\":" + INPUT_TOKENS + "}");
      default -> {
        return false;
      }
    }
    return true;
  }

  static String error(String type, String message) {
    return "{\"type\":\"error\",\"error\":{\"type\":\""
        + type
        + "\",\"message\":"
        + FakeLlm.quote(message)
        + "}}";
  }

  private void messages(HttpExchange exchange, JsonObject request) {
    FakeLlm.Script s = fake.scriptFor(request);
    if (fake.scriptedFailure(
        exchange, s, error(s.status() >= 500 ? "api_error" : "invalid_request_error", "fake"))) {
      return;
    }
    String id = "msg_fake" + ids.incrementAndGet();
    String model = request.getString("model", "fake-model");
    if (!request.getBoolean("stream", false)) {
      fake.answerJson(exchange, s, message(id, model, s.chunks()));
      return;
    }
    String start =
        "{\"type\":\"message_start\",\"message\":{\"id\":\""
            + id
            + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
            + FakeLlm.quote(model)
            + ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":"
            + INPUT_TOKENS
            + ",\"output_tokens\":1}}}";
    byte[] head =
        concat(
            FakeLlm.namedEvent("message_start", start),
            FakeLlm.namedEvent(
                "content_block_start",
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
            FakeLlm.namedEvent("ping", "{\"type\": \"ping\"}"));
    fake.pacedStream(
        exchange,
        s,
        "text/event-stream",
        head,
        i ->
            FakeLlm.namedEvent(
                "content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
                    + FakeLlm.quote(FakeLlm.token(i))
                    + "}}"),
        () ->
            concat(
                FakeLlm.namedEvent(
                    "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"),
                FakeLlm.namedEvent(
                    "message_delta",
                    "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":"
                        + s.chunks()
                        + "}}"),
                FakeLlm.namedEvent("message_stop", "{\"type\":\"message_stop\"}")));
  }

  static String message(String id, String model, int tokens) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < tokens; i++) {
      text.append(FakeLlm.token(i));
    }
    return "{\"id\":\""
        + id
        + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
        + FakeLlm.quote(model)
        + ",\"content\":[{\"type\":\"text\",\"text\":"
        + FakeLlm.quote(text.toString())
        + "}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":"
        + INPUT_TOKENS
        + ",\"output_tokens\":"
        + tokens
        + "}}";
  }

  static byte[] concat(byte[]... parts) {
    StringBuilder out = new StringBuilder();
    for (byte[] p : parts) {
      out.append(new String(p, StandardCharsets.UTF_8));
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }
}
