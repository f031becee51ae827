package io.remotellm.testsupport;

import com.sun.net.httpserver.HttpExchange;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * OpenAI's Responses API on the fake, as vLLM serves it: {@code POST /v1/responses} as one {@code
 * response} or as the named event stream ({@code response.created}, {@code response.in_progress},
 * {@code response.output_item.added}, {@code response.content_part.added}, a {@code
 * response.output_text.delta} per token, the {@code .done} events, {@code response.completed} with
 * usage); {@code POST /v1/responses/input_tokens}; the responses it made kept for {@code GET} and
 * {@code DELETE /v1/responses/{id}} and {@code POST /v1/responses/{id}/cancel}.
 */
final class FakeResponsesApi implements FakeApi {

  static final int INPUT_TOKENS = 7;
  private static final String PREFIX = "/v1/responses/";

  private final FakeLlm fake;
  private final AtomicLong ids = new AtomicLong();

  /** Responses made, by id: what GET answers. Bounded by the tests that use the fake. */
  private final Map<String, String> stored = new ConcurrentHashMap<>();

  FakeResponsesApi(FakeLlm fake) {
    this.fake = fake;
  }

  @Override
  public boolean handle(HttpExchange exchange, String method, String path, String body)
      throws IOException {
    if (path.equals("/v1/responses") && method.equals("POST")) {
      create(exchange, FakeLlm.parseBody(body));
      return true;
    }
    if (path.equals("/v1/responses/input_tokens") && method.equals("POST")) {
      FakeLlm.respondJson(
          exchange,
          200,
          "{\"object\":\"response.input_tokens\",\"input_tokens\":" + INPUT_TOKENS + "}");
      return true;
    }
    if (!path.startsWith(PREFIX)) {
      return false;
    }
    String rest = path.substring(PREFIX.length());
    boolean cancel = rest.endsWith("/cancel") && method.equals("POST");
    String id = cancel ? rest.substring(0, rest.length() - "/cancel".length()) : rest;
    String response = stored.get(id);
    if (response == null) {
      FakeLlm.respondJson(
          exchange,
          404,
          FakeLlm.openAiError("Response with id '" + id + "' not found.", "not_found"));
    } else if (cancel) {
      FakeLlm.respondJson(exchange, 200, response.replace("\"completed\"", "\"cancelled\""));
    } else if (method.equals("DELETE")) {
      stored.remove(id);
      FakeLlm.respondJson(
          exchange, 200, "{\"id\":\"" + id + "\",\"object\":\"response\",\"deleted\":true}");
    } else if (method.equals("GET")) {
      FakeLlm.respondJson(exchange, 200, response);
    } else {
      return false;
    }
    return true;
  }

  private void create(HttpExchange exchange, JsonObject request) {
    FakeLlm.Script s = fake.scriptFor(request);
    if (fake.scriptedFailure(
        exchange, s, FakeLlm.openAiError("fake LLM error " + s.status(), "fake_error"))) {
      return;
    }
    String id = "resp_fake" + ids.incrementAndGet();
    String model = request.getString("model", "fake-model");
    String done = response(id, model, "completed", s.chunks());
    stored.put(id, done);
    if (!request.getBoolean("stream", false)) {
      fake.answerJson(exchange, s, done);
      return;
    }
    AtomicInteger seq = new AtomicInteger();
    String inProgress = response(id, model, "in_progress", -1);
    String msg = "msg_" + id;
    byte[] head =
        FakeAnthropicApi.concat(
            event("response.created", seq, "\"response\":" + inProgress),
            event("response.in_progress", seq, "\"response\":" + inProgress),
            event(
                "response.output_item.added",
                seq,
                "\"output_index\":0,\"item\":{\"id\":\""
                    + msg
                    + "\",\"type\":\"message\",\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}"),
            event(
                "response.content_part.added",
                seq,
                "\"item_id\":\""
                    + msg
                    + "\",\"output_index\":0,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[]}"));
    fake.pacedStream(
        exchange,
        s,
        "text/event-stream",
        head,
        i ->
            event(
                "response.output_text.delta",
                seq,
                "\"item_id\":\""
                    + msg
                    + "\",\"output_index\":0,\"content_index\":0,\"delta\":"
                    + FakeLlm.quote(FakeLlm.token(i))
                    + ",\"logprobs\":[]"),
        () ->
            FakeAnthropicApi.concat(
                event(
                    "response.output_text.done",
                    seq,
                    "\"item_id\":\""
                        + msg
                        + "\",\"output_index\":0,\"content_index\":0,\"text\":"
                        + FakeLlm.quote(text(s.chunks()))
                        + ",\"logprobs\":[]"),
                event(
                    "response.content_part.done",
                    seq,
                    "\"item_id\":\""
                        + msg
                        + "\",\"output_index\":0,\"content_index\":0,\"part\":"
                        + outputText(s.chunks())),
                event(
                    "response.output_item.done",
                    seq,
                    "\"output_index\":0,\"item\":" + message(msg, s.chunks())),
                event("response.completed", seq, "\"response\":" + done)));
  }

  private static byte[] event(String type, AtomicInteger seq, String fields) {
    return FakeLlm.namedEvent(
        type,
        "{\"type\":\""
            + type
            + "\",\"sequence_number\":"
            + seq.getAndIncrement()
            + ","
            + fields
            + "}");
  }

  private static String text(int tokens) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < tokens; i++) {
      text.append(FakeLlm.token(i));
    }
    return text.toString();
  }

  private static String outputText(int tokens) {
    return "{\"type\":\"output_text\",\"text\":"
        + FakeLlm.quote(text(tokens))
        + ",\"annotations\":[],\"logprobs\":[]}";
  }

  private static String message(String id, int tokens) {
    return "{\"id\":\""
        + id
        + "\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":["
        + outputText(tokens)
        + "]}";
  }

  /** A whole response object; {@code tokens} < 0: still in progress, no output or usage yet. */
  static String response(String id, String model, String status, int tokens) {
    boolean done = tokens >= 0;
    return "{\"id\":\""
        + id
        + "\",\"object\":\"response\",\"created_at\":1700000000,\"status\":\""
        + status
        + "\",\"background\":false,\"error\":null,\"incomplete_details\":null,\"instructions\":null,"
        + "\"max_output_tokens\":null,\"model\":"
        + FakeLlm.quote(model)
        + ",\"output\":["
        + (done ? message("msg_" + id, tokens) : "")
        + "],\"parallel_tool_calls\":true,\"previous_response_id\":null,\"reasoning\":null,"
        + "\"store\":true,\"temperature\":1.0,\"text\":{\"format\":{\"type\":\"text\"}},"
        + "\"tool_choice\":\"auto\",\"tools\":[],\"top_p\":1.0,\"truncation\":\"disabled\",\"usage\":"
        + (done
            ? "{\"input_tokens\":"
                + INPUT_TOKENS
                + ",\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":"
                + tokens
                + ",\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":"
                + (INPUT_TOKENS + tokens)
                + "}"
            : "null")
        + ",\"user\":null,\"metadata\":{}}";
  }
}
