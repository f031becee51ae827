package io.remotellm.st.cluster;

import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * What a client of the cluster tests sends, to the broker on {@code 127.0.0.1:port}: the request
 * bodies of each API family, and the calls, with a user key, over plain HTTP/1.1.
 */
final class ClusterCalls {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private ClusterCalls() {}

  static String openAi(String model, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":"
        + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  static String anthropic(String model, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"max_tokens\":16,\"stream\":"
        + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  static String responses(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"input\":\"Hi\"}";
  }

  /** Ollama's {@code /api/chat}; it streams unless told not to. */
  static String ollamaChat(String model, boolean stream) {
    return openAi(model, stream);
  }

  /**
   * Three servers booting at once on a shared machine take longer than one: on a loaded two-core
   * machine (load average 30) over five minutes, the grid's join included. Fails if the broker
   * answered anything but 200 while it started ({@link ProductRun#awaitBroker}).
   */
  static void awaitBroker(ProductProcess broker, int port, String key) {
    ProductRun.awaitBroker(broker, port, key, Duration.ofSeconds(720));
  }

  static HttpResponse<String> get(int port, String path, String key) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + key)
            .timeout(Duration.ofSeconds(10))
            .build());
  }

  static HttpResponse<String> post(int port, String path, String key, String body) {
    return send(request(port, path, key, body, Duration.ofSeconds(30)));
  }

  static HttpRequest request(int port, String path, String key, String body, Duration timeout) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + key)
        .header("content-type", "application/json")
        .header("anthropic-version", "2023-06-01")
        .timeout(timeout)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  static HttpResponse<String> send(HttpRequest request) {
    try {
      return sendOrThrow(request);
    } catch (IOException e) {
      throw new AssertionError(request.uri() + " failed", e);
    }
  }

  /** As {@link #send}, but a broken connection is the caller's to judge. */
  static HttpResponse<String> sendOrThrow(HttpRequest request) throws IOException {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
