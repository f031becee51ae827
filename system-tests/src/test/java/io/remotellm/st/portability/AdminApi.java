package io.remotellm.st.portability;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * The broker's admin API ({@code /admin/api/}) as a script uses it, with the admin key in its
 * header: what the portability checks read the stored users, usage and audit through.
 */
final class AdminApi {

  private final HttpClient http;
  private final String base;
  private final String adminKey;

  AdminApi(HttpClient http, String apiBase, String adminKey) {
    this.http = http;
    this.base = apiBase + "/admin/api";
    this.adminKey = adminKey;
  }

  /** Creates a user with a new key (201); returns the answer, which holds the key once. */
  JsonObject createUser(String name) {
    HttpResponse<String> r =
        send("POST", "/users", HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}"));
    assertThat(r.statusCode()).as("creating user %s: %s", name, r.body()).isEqualTo(201);
    return parse(r.body());
  }

  /** Revokes a user created here: its key is refused from then on. */
  void revokeUser(String name) {
    HttpResponse<String> r = send("DELETE", "/users/" + name, HttpRequest.BodyPublishers.noBody());
    assertThat(r.statusCode()).as("revoking user %s: %s", name, r.body()).isEqualTo(204);
  }

  /** One part of the overview ({@code users}, {@code usage_by_day}, {@code audit}, ...). */
  JsonValue read(String part) {
    HttpResponse<String> r = send("GET", "/" + part, HttpRequest.BodyPublishers.noBody());
    assertThat(r.statusCode()).as("reading %s: %s", part, r.body()).isEqualTo(200);
    return parse(r.body()).get(part);
  }

  /** The user of this name as the admin page shows it, if it is listed. */
  Optional<JsonObject> user(String name) {
    return read("users").asJsonArray().stream()
        .map(JsonValue::asJsonObject)
        .filter(u -> u.getString("name").equals(name))
        .findFirst();
  }

  private HttpResponse<String> send(String method, String path, HttpRequest.BodyPublisher body) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(base + path))
              .header("x-admin-key", adminKey)
              .header("Content-Type", "application/json")
              .timeout(Duration.ofSeconds(30))
              .method(method, body)
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static JsonObject parse(String body) {
    try (JsonReader reader = Json.createReader(new StringReader(body))) {
      return reader.readObject();
    }
  }
}
