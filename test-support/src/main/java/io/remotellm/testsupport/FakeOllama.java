package io.remotellm.testsupport;

import static io.remotellm.testsupport.FakeLlm.quote;
import static io.remotellm.testsupport.FakeLlm.respond;

import com.sun.net.httpserver.HttpExchange;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Ollama's native API as the fake LLM speaks it, with Ollama's wire shapes: {@code GET
 * /api/version}, {@code /api/tags}, {@code /api/ps}; {@code POST /api/show}, {@code /api/chat} and
 * {@code /api/generate} (NDJSON, {@code application/x-ndjson}, streamed unless the body says {@code
 * "stream":false}; the last object has {@code done:true}, {@code done_reason}, {@code
 * prompt_eval_count}, {@code eval_count} and the durations), {@code /api/embed} and the legacy
 * {@code /api/embeddings}. {@code /api/version} answers only once a test gave the fake a version
 * ({@link FakeLlm#ollamaVersion}). Errors are Ollama's {@code {"error":"..."}}. The n-th piece of
 * content says {@code "tok<n> "}, as in the OpenAI shapes; the script (chunks, delays, status,
 * hang, models) and a body's {@code fake_llm} object apply here too. With the script's {@code
 * ollama_tags} off the whole {@code /api} answers 404 as an OpenAI-only server does.
 */
final class FakeOllama implements FakeApi {

  /**
   * A version with every API family the fake speaks (Responses since 0.13.3, Anthropic since
   * 0.14.0), for tests that want a connector to find them all.
   */
  static final String VERSION = "0.14.1";

  static final String NDJSON = "application/x-ndjson";

  private static final String CREATED_AT = "2026-01-01T00:00:00.000000000Z";
  private static final String DIGEST =
      "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  private static final String DETAILS =
      "{\"parent_model\":\"\",\"format\":\"gguf\",\"family\":\"fake\",\"families\":[\"fake\"],"
          + "\"parameter_size\":\"1B\",\"quantization_level\":\"Q4_K_M\"}";

  /** Prompt tokens every answer reports, as the OpenAI shapes do. */
  private static final int PROMPT_TOKENS = 7;

  private final FakeLlm fake;

  /**
   * What {@code /api/version} says; null (the default) answers 404 as a server that is no Ollama,
   * so a connector that asks takes the fake for an OpenAI-only server unless a test says otherwise.
   */
  private volatile String version;

  FakeOllama(FakeLlm fake) {
    this.fake = fake;
  }

  void version(String v) {
    version = v;
  }

  @Override
  public boolean handle(HttpExchange exchange, String method, String path, String body)
      throws IOException {
    if (!path.startsWith("/api/")) {
      return false;
    }
    if (!fake.script().ollamaTags()) {
      respond(exchange, 404, "text/plain", "404 page not found");
      return true;
    }
    switch (method + " " + path) {
      case "GET /api/version" -> {
        String v = version;
        if (v == null) {
          respond(exchange, 404, "text/plain", "404 page not found");
        } else {
          respond(exchange, 200, "application/json", "{\"version\":" + quote(v) + "}");
        }
      }
      case "GET /api/tags" -> respond(exchange, 200, "application/json", tags(false));
      case "GET /api/ps" -> respond(exchange, 200, "application/json", tags(true));
      case "POST /api/show" -> show(exchange, body);
      case "POST /api/chat" -> answer(exchange, body, true);
      case "POST /api/generate" -> answer(exchange, body, false);
      case "POST /api/embed" -> embed(exchange, body, false);
      case "POST /api/embeddings" -> embed(exchange, body, true);
      default -> respond(exchange, 404, "text/plain", "404 page not found");
    }
    return true;
  }

  /** {@code /api/tags}, or {@code /api/ps} (the same models, all "loaded"). */
  private String tags(boolean running) {
    StringBuilder out = new StringBuilder("{\"models\":[");
    List<String> models = fake.script().models();
    for (int i = 0; i < models.size(); i++) {
      String name = quote(models.get(i));
      out.append(i == 0 ? "" : ",")
          .append("{\"name\":")
          .append(name)
          .append(",\"model\":")
          .append(name)
          .append(running ? "" : ",\"modified_at\":\"" + CREATED_AT + "\"")
          .append(",\"size\":1000000,\"digest\":\"")
          .append(DIGEST)
          .append("\",\"details\":")
          .append(DETAILS)
          .append(running ? ",\"expires_at\":\"2099-01-01T00:00:00Z\",\"size_vram\":1000000" : "")
          .append("}");
    }
    return out.append("]}").toString();
  }

  private void show(HttpExchange exchange, String body) throws IOException {
    JsonObject request = object(body);
    String model = request.getString("model", request.getString("name", ""));
    // As Ollama: a name without a tag is the name with :latest.
    if (fake.script().models().stream().noneMatch(m -> latest(m).equals(latest(model)))) {
      respond(exchange, 404, "application/json", error("model '" + model + "' not found"));
      return;
    }
    respond(
        exchange,
        200,
        "application/json",
        "{\"modelfile\":\"FROM fake\",\"parameters\":\"\",\"template\":\"{{ .Prompt }}\","
            + "\"details\":"
            + DETAILS
            + ",\"model_info\":{\"general.architecture\":\"fake\",\"fake.context_length\":4096},"
            + "\"capabilities\":[\"completion\"],\"modified_at\":\""
            + CREATED_AT
            + "\"}");
  }

  /** {@code /api/chat} ({@code chat}) or {@code /api/generate}: NDJSON unless stream is false. */
  private void answer(HttpExchange exchange, String body, boolean chat) throws IOException {
    fake.countChat();
    JsonObject request = object(body);
    FakeLlm.Script s = fake.script();
    if (request.get("fake_llm") instanceof JsonObject fields) {
      s = FakeLlm.overlay(s, fields);
    }
    if (s.hang()) {
      fake.hang(exchange);
      return;
    }
    FakeLlm.Script script = s;
    if (s.status() != 200) {
      String errorBody =
          s.errorBody() != null ? s.errorBody() : error("fake LLM error " + s.status());
      fake.later(
          s.firstByteDelay(),
          exchange,
          () -> {
            respond(exchange, script.status(), "application/json", errorBody);
            fake.countCompleted();
          });
      return;
    }
    String model = request.getString("model", "fake-model");
    if (!request.getBoolean("stream", true)) {
      fake.later(
          s.firstByteDelay(),
          exchange,
          () -> {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < script.chunks(); i++) {
              all.append("tok").append(i).append(' ');
            }
            respond(
                exchange,
                200,
                "application/json",
                last(chat, model, all.toString(), script.chunks()));
            fake.countCompleted();
          });
      return;
    }
    fake.later(
        s.firstByteDelay(),
        exchange,
        () -> {
          exchange.getResponseHeaders().set("Content-Type", NDJSON);
          exchange.sendResponseHeaders(200, 0);
          writeLine(exchange, exchange.getResponseBody(), script, chat, model, 0);
        });
  }

  /**
   * Writes line {@code index} (the last one after the script's chunks), then schedules the next.
   */
  private void writeLine(
      HttpExchange exchange,
      OutputStream out,
      FakeLlm.Script s,
      boolean chat,
      String model,
      int index) {
    try {
      if (index == s.chunks()) {
        out.write(line(last(chat, model, "", s.chunks())));
        out.close();
        fake.countCompleted();
        return;
      }
      out.write(line(piece(chat, model, "tok" + index + " ")));
      out.flush();
      if (s.chunkDelay().isZero()) {
        writeLine(exchange, out, s, chat, model, index + 1);
      } else {
        fake.pacer()
            .schedule(
                () -> writeLine(exchange, out, s, chat, model, index + 1),
                s.chunkDelay().toNanos(),
                TimeUnit.NANOSECONDS);
      }
    } catch (IOException e) {
      fake.aborted(exchange);
    }
  }

  private static String piece(boolean chat, String model, String text) {
    return "{\"model\":"
        + quote(model)
        + ",\"created_at\":\""
        + CREATED_AT
        + "\","
        + content(chat, text)
        + ",\"done\":false}";
  }

  /** The final object: the whole content when not streamed, counts and durations always. */
  private static String last(boolean chat, String model, String text, int evalCount) {
    return "{\"model\":"
        + quote(model)
        + ",\"created_at\":\""
        + CREATED_AT
        + "\","
        + content(chat, text)
        + ",\"done\":true,\"done_reason\":\"stop\""
        + (chat ? "" : ",\"context\":[1,2,3]")
        + ",\"total_duration\":5000000,\"load_duration\":1000000,\"prompt_eval_count\":"
        + PROMPT_TOKENS
        + ",\"prompt_eval_duration\":1000000,\"eval_count\":"
        + evalCount
        + ",\"eval_duration\":3000000}";
  }

  private static String content(boolean chat, String text) {
    return chat
        ? "\"message\":{\"role\":\"assistant\",\"content\":" + quote(text) + "}"
        : "\"response\":" + quote(text);
  }

  /**
   * {@code /api/embed} ({@code input}: a string or a list) or the legacy {@code /api/embeddings}
   * ({@code prompt}: one string, one {@code embedding}).
   */
  private void embed(HttpExchange exchange, String body, boolean legacy) throws IOException {
    JsonObject request = object(body);
    String model = request.getString("model", "fake-model");
    List<String> inputs = new ArrayList<>();
    JsonValue input = request.get(legacy ? "prompt" : "input");
    if (input instanceof JsonString one) {
      inputs.add(one.getString());
    } else if (!legacy && input instanceof JsonArray many) {
      many.forEach(v -> inputs.add(v instanceof JsonString t ? t.getString() : v.toString()));
    } else {
      respond(
          exchange,
          400,
          "application/json",
          error(legacy ? "prompt is required" : "invalid input type"));
      return;
    }
    if (legacy) {
      respond(exchange, 200, "application/json", "{\"embedding\":" + vector(inputs.get(0)) + "}");
      return;
    }
    StringBuilder vectors = new StringBuilder();
    for (int i = 0; i < inputs.size(); i++) {
      vectors.append(i == 0 ? "" : ",").append(vector(inputs.get(i)));
    }
    respond(
        exchange,
        200,
        "application/json",
        "{\"model\":"
            + quote(model)
            + ",\"embeddings\":["
            + vectors
            + "],\"total_duration\":1000000,\"load_duration\":100000,\"prompt_eval_count\":"
            + inputs.size()
            + "}");
  }

  /** A small vector from the input's length, as the OpenAI shape makes it. */
  private static String vector(String input) {
    return "[" + input.length() + ".0,0.5,-1.0]";
  }

  private static String latest(String name) {
    return name.contains(":") ? name : name + ":latest";
  }

  private static JsonObject object(String body) {
    return body.isBlank() ? JsonValue.EMPTY_JSON_OBJECT : FakeLlm.parse(body);
  }

  private static byte[] line(String json) {
    return (json + "\n").getBytes(StandardCharsets.UTF_8);
  }

  static String error(String message) {
    return "{\"error\":" + quote(message) + "}";
  }
}
