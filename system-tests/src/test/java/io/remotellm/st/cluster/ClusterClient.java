package io.remotellm.st.cluster;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** A client's and an admin's calls to a broker (or to nginx in front) on loopback. */
final class ClusterClient {
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final String userKey;
  private final String adminKey;

  ClusterClient(String userKey, String adminKey) {
    this.userKey = userKey;
    this.adminKey = adminKey;
  }

  static String chatBody(String model, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":"
        + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  HttpRequest.Builder request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + userKey)
        .timeout(Duration.ofSeconds(60));
  }

  HttpRequest.Builder chatRequest(int port, String model, boolean stream) {
    return request(port, "/v1/chat/completions")
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(chatBody(model, stream)));
  }

  HttpResponse<String> get(int port, String path) {
    return send(request(port, path).build());
  }

  HttpResponse<String> chat(int port, String model, boolean stream) {
    return send(chatRequest(port, model, stream).build());
  }

  /** {@code GET /admin/api/<part>} as JSON; fails unless 200. */
  JsonObject admin(int port, String part) {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/api/" + part))
                .header("x-admin-key", adminKey)
                .timeout(Duration.ofSeconds(30))
                .build());
    if (r.statusCode() != 200) {
      throw new AssertionError("admin " + part + " on " + port + ": " + r.statusCode() + r.body());
    }
    return json(r.body());
  }

  static JsonObject json(String text) {
    try (var reader = Json.createReader(new StringReader(text))) {
      return reader.readObject();
    }
  }

  /**
   * The member ids of the brokers whose connectors serve {@code model}, from the admin API's
   * cluster.
   */
  static List<String> brokersServing(JsonObject cluster, String model) {
    return cluster.getJsonArray("connectors").getValuesAs(JsonObject.class).stream()
        .filter(c -> c.getJsonArray("models").toString().contains("\"" + model + "\""))
        .map(c -> c.getString("member_id"))
        .toList();
  }

  static String publicUrlOf(JsonObject cluster, String memberId) {
    return cluster.getJsonArray("members").getValuesAs(JsonObject.class).stream()
        .filter(m -> m.getString("member_id").equals(memberId))
        .map(m -> m.getString("public_url"))
        .findFirst()
        .orElseThrow();
  }

  static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError(request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
