package io.remotellm.st.portability;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A connector that answers every streamed request at once, in one message (protocol 2's {@code
 * batch} of {@code head}, one {@code data}, {@code end}), with no LLM behind it: a scripted peer on
 * the far side of a real WebSocket. Its answers reach the broker a fraction of a millisecond after
 * the request frame left it, usually before the server has finished dispatching the client's
 * request, which is the moment a stream's close must wait for (see the broker's {@code
 * SseCloseGate}).
 */
final class InstantConnector implements AutoCloseable {

  private final WebSocket socket;
  private final CompletableFuture<Void> welcomed;

  private InstantConnector(WebSocket socket, CompletableFuture<Void> welcomed) {
    this.socket = socket;
    this.welcomed = welcomed;
  }

  /** Connects with {@code token}, registers {@code model}, and returns once welcomed. */
  static InstantConnector attach(HttpClient http, URI ws, String token, String model)
      throws Exception {
    CompletableFuture<Void> welcomed = new CompletableFuture<>();
    WebSocket socket =
        http.newWebSocketBuilder()
            .header("Authorization", "Bearer " + token)
            .buildAsync(ws, new Answering(welcomed))
            .get(30, TimeUnit.SECONDS);
    socket
        .sendText(
            "{\"type\":\"hello\",\"protocol\":2,\"connector\":\"instant-test/1\",\"models\":[\""
                + model
                + "\"],\"capacity\":64}",
            true)
        .get(30, TimeUnit.SECONDS);
    InstantConnector connector = new InstantConnector(socket, welcomed);
    welcomed.get(30, TimeUnit.SECONDS);
    return connector;
  }

  @Override
  public void close() {
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "test over").orTimeout(10, TimeUnit.SECONDS);
  }

  /** Reads whole messages, answers requests; one message at a time, so sends never overlap. */
  private static final class Answering implements WebSocket.Listener {

    private final CompletableFuture<Void> welcomed;
    private final StringBuilder partial = new StringBuilder();

    Answering(CompletableFuture<Void> welcomed) {
      this.welcomed = welcomed;
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence text, boolean last) {
      partial.append(text);
      if (!last) {
        socket.request(1);
        return null;
      }
      JsonObject message;
      try (JsonReader reader = Json.createReader(new StringReader(partial.toString()))) {
        message = reader.readObject();
      }
      partial.setLength(0);
      CompletableFuture<?> sent = CompletableFuture.completedFuture(null);
      if ("batch".equals(message.getString("type"))) {
        for (JsonValue frame : message.getJsonArray("frames")) {
          sent = answer(socket, frame.asJsonObject(), sent);
        }
      } else {
        sent = answer(socket, message, sent);
      }
      return sent.thenRun(() -> socket.request(1));
    }

    private CompletableFuture<?> answer(
        WebSocket socket, JsonObject frame, CompletableFuture<?> before) {
      switch (frame.getString("type")) {
        case "welcome" -> welcomed.complete(null);
        case "request" -> {
          String id = frame.getString("id");
          String batch =
              "{\"type\":\"batch\",\"frames\":[{\"type\":\"head\",\"id\":\""
                  + id
                  + "\",\"status\":200,\"headers\":{\"content-type\":\"text/event-stream\"}},"
                  + "{\"type\":\"data\",\"id\":\""
                  + id
                  + "\",\"data\":\"{\\\"choices\\\":[{\\\"index\\\":0,\\\"delta\\\":"
                  + "{\\\"content\\\":\\\"hi\\\"}}]}\"},"
                  + "{\"type\":\"end\",\"id\":\""
                  + id
                  + "\"}]}";
          return before.thenCompose(ignored -> socket.sendText(batch, true));
        }
        default -> {
          // heartbeats and anything else need no answer
        }
      }
      return before;
    }
  }
}
