package io.remotellm.connector.demo;

import io.remotellm.connector.llm.AnswerFrames;
import io.remotellm.connector.llm.Upstream;
import io.remotellm.protocol.Request;
import io.remotellm.protocol.SharedJsonProvider;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Answers like an OpenAI-compatible server, without one: {@code GET /v1/models} lists the demo
 * models (owned by {@code remotellm-demo}); {@code POST /v1/chat/completions} echoes the last user
 * message word by word ("Echo: ..."), as a paced stream or in one body, with usage.
 */
public final class DemoEchoUpstream implements Upstream {
  /** Looked up once: {@code Json.create...} asks the service loader on every call. */
  private static final JsonProvider JSON = SharedJsonProvider.INSTANCE;

  /** The model the demo serves when none is named. */
  public static final String MODEL = "demo-echo";

  public static final String OWNER = "remotellm-demo";

  private final List<String> models;
  private final ScheduledExecutorService timer;
  private final Duration pace;

  public DemoEchoUpstream(List<String> models, ScheduledExecutorService timer, Duration pace) {
    this.models = List.copyOf(models);
    this.timer = timer;
    this.pace = pace;
  }

  @Override
  public void forward(Request request, AnswerFrames sink) {
    String path = request.path();
    int query = path.indexOf('?');
    path = query < 0 ? path : path.substring(0, query);
    if (request.method().equals("GET") && path.equals("/v1/models")) {
      json(sink, 200, modelList());
    } else if (request.method().equals("POST") && path.equals("/v1/chat/completions")) {
      chat(request, sink);
    } else {
      json(
          sink,
          404,
          error("the demo model only serves /v1/models and /v1/chat/completions", "not_found"));
    }
  }

  private String modelList() {
    JsonArrayBuilder data = JSON.createArrayBuilder();
    for (String model : models) {
      data.add(
          JSON.createObjectBuilder()
              .add("id", model)
              .add("object", "model")
              .add("created", 0)
              .add("owned_by", OWNER));
    }
    return JSON.createObjectBuilder().add("object", "list").add("data", data).build().toString();
  }

  private void chat(Request request, AnswerFrames sink) {
    JsonObject body;
    try (JsonReader reader = JSON.createReader(new StringReader(request.body()))) {
      body = reader.readObject();
    } catch (RuntimeException e) {
      json(sink, 400, error("the request body is not a JSON object", "invalid_request_error"));
      return;
    }
    String model = body.getString("model", models.get(0));
    boolean stream = body.getBoolean("stream", false);
    boolean includeUsage =
        body.get("stream_options") instanceof JsonObject o && o.getBoolean("include_usage", false);
    List<String> words = words("Echo: " + lastUserText(body));
    String id = "chatcmpl-demo-" + Integer.toHexString(request.id().hashCode());
    JsonObject usage =
        JSON.createObjectBuilder()
            .add("prompt_tokens", words.size())
            .add("completion_tokens", words.size())
            .add("total_tokens", 2 * words.size())
            .build();
    if (!stream) {
      String text = String.join("", words);
      json(
          sink,
          200,
          JSON.createObjectBuilder()
              .add("id", id)
              .add("object", "chat.completion")
              .add("created", 0)
              .add("model", model)
              .add(
                  "choices",
                  JSON.createArrayBuilder()
                      .add(
                          JSON.createObjectBuilder()
                              .add("index", 0)
                              .add(
                                  "message",
                                  JSON.createObjectBuilder()
                                      .add("role", "assistant")
                                      .add("content", text))
                              .add("finish_reason", "stop")))
              .add("usage", usage)
              .build()
              .toString(),
          usage);
      return;
    }
    sink.head(200, Map.of("content-type", "text/event-stream"));
    List<String> events = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      JsonObjectBuilder delta = JSON.createObjectBuilder();
      if (i == 0) {
        delta.add("role", "assistant");
      }
      events.add(chunk(id, model, delta.add("content", words.get(i)), JsonValue.NULL));
    }
    events.add(chunk(id, model, JSON.createObjectBuilder(), JSON.createValue("stop")));
    if (includeUsage) {
      events.add(
          JSON.createObjectBuilder()
              .add("id", id)
              .add("object", "chat.completion.chunk")
              .add("created", 0)
              .add("model", model)
              .add("choices", JsonValue.EMPTY_JSON_ARRAY)
              .add("usage", usage)
              .build()
              .toString());
    }
    PacedEvents.send(sink, events, usage, timer, pace);
  }

  private static String chunk(String id, String model, JsonObjectBuilder delta, JsonValue finish) {
    return JSON.createObjectBuilder()
        .add("id", id)
        .add("object", "chat.completion.chunk")
        .add("created", 0)
        .add("model", model)
        .add(
            "choices",
            JSON.createArrayBuilder()
                .add(
                    JSON.createObjectBuilder()
                        .add("index", 0)
                        .add("delta", delta)
                        .add("finish_reason", finish)))
        .build()
        .toString();
  }

  /** The text of the last user message; content may be a string or a list of parts. */
  static String lastUserText(JsonObject body) {
    if (!(body.get("messages") instanceof JsonArray messages)) {
      return "";
    }
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i) instanceof JsonObject m && "user".equals(m.getString("role", ""))) {
        JsonValue content = m.get("content");
        if (content instanceof JsonString s) {
          return s.getString();
        }
        if (content instanceof JsonArray parts) {
          StringBuilder text = new StringBuilder();
          for (JsonValue part : parts) {
            if (part instanceof JsonObject p && p.get("text") instanceof JsonString t) {
              text.append(t.getString());
            }
          }
          return text.toString();
        }
      }
    }
    return "";
  }

  /** Words with their following space, so joining them gives the text back. */
  static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == ' ') {
        words.add(text.substring(start, i + 1));
        start = i + 1;
      }
    }
    if (start < text.length()) {
      words.add(text.substring(start));
    }
    return words;
  }

  private static void json(AnswerFrames sink, int status, String body) {
    json(sink, status, body, null);
  }

  private static void json(AnswerFrames sink, int status, String body, JsonObject usage) {
    sink.head(status, Map.of("content-type", "application/json"));
    sink.complete(List.of(body), usage);
  }

  private static String error(String message, String code) {
    return JSON.createObjectBuilder()
        .add(
            "error",
            JSON.createObjectBuilder()
                .add("message", message)
                .add("type", code)
                .addNull("param")
                .add("code", code))
        .build()
        .toString();
  }
}
