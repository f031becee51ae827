package io.remotellm.broker.it;

import static io.remotellm.broker.it.TestDeployments.KEYED_TOKEN;
import static io.remotellm.broker.it.TestDeployments.LLM_KEY;
import static io.remotellm.broker.it.TestDeployments.MAX_BODY;
import static io.remotellm.broker.it.TestDeployments.NOKEY_TOKEN;
import static io.remotellm.broker.it.TestDeployments.PLAIN_TOKEN;
import static io.remotellm.broker.it.TestDeployments.USER_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Head;
import io.remotellm.protocol.Request;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.InputStream;
import java.io.StringReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The API families on the deployed broker (Payara Micro): routing by model and API, the Anthropic
 * edge (x-api-key, forwarded headers, error shape, named events), the Responses edge (named events,
 * stored responses reach their connector), model names with and without {@code :latest}. Scripted
 * connector peers say which APIs they offer in hello.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class ApiFamiliesIT {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final List<String> ALL_APIS = List.of("openai", "responses", "anthropic");

  @ArquillianResource URL base;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
  private final List<ConnectorPeer> peers = new ArrayList<>();

  @Deployment(testable = false)
  static WebArchive deployment() throws Exception {
    Path yaml = Files.createTempFile("remotellm-connectors-", ".yaml");
    yaml.toFile().deleteOnExit();
    Files.writeString(
        yaml,
        "connectors:\n  - token: \""
            + KEYED_TOKEN
            + "\"\n    llm_api_key: \""
            + LLM_KEY
            + "\"\n  - token: \""
            + NOKEY_TOKEN
            + "\"\n");
    return TestDeployments.broker(
        String.join(
            "\n",
            "remotellm.broker.user-api-keys=" + USER_KEY,
            "remotellm.broker.connector-tokens=" + PLAIN_TOKEN,
            "remotellm.broker.connector-config=" + yaml.toAbsolutePath(),
            "remotellm.broker.keepalive-seconds=1",
            "remotellm.broker.max-body-bytes=" + MAX_BODY,
            ""));
  }

  @AfterEach
  void closePeers() {
    peers.forEach(ConnectorPeer::close);
  }

  private URI api(String path) {
    return URI.create(base.toString()).resolve(path);
  }

  private ConnectorPeer attach(String token, List<String> apis, String... models) throws Exception {
    URI ws = URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws");
    ConnectorPeer peer = ConnectorPeer.attachWithApis(ws, token, apis, models);
    peers.add(peer);
    return peer;
  }

  private HttpRequest.Builder post(String path, String body) {
    return HttpRequest.newBuilder(api(path))
        .timeout(WAIT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private HttpRequest.Builder messages(String body) {
    return post("/v1/messages", body)
        .header("x-api-key", USER_KEY)
        .header("anthropic-version", "2023-06-01")
        .header("anthropic-beta", "tools-2024-04-04");
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(CompletableFuture<HttpResponse<String>> f)
      throws Exception {
    return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static JsonObject json(String text) {
    return Json.createReader(new StringReader(text)).readObject();
  }

  private static void assertAnthropicError(HttpResponse<String> r, int status, String type) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonObject body = json(r.body());
    assertThat(body.getString("type")).isEqualTo("error");
    assertThat(body.getJsonObject("error").getString("type")).isEqualTo(type);
    assertThat(body.getJsonObject("error").getString("message")).isNotBlank();
    assertThat(r.headers().firstValue("x-request-id")).isPresent();
  }

  private static void assertOpenAiError(HttpResponse<String> r, int status, String code) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(json(r.body()).getJsonObject("error").getString("code")).isEqualTo(code);
  }

  private static List<Frame> sse(String id, String[][] events) {
    List<Frame> frames = new ArrayList<>();
    frames.add(new Head(id, 200, Map.of("content-type", "text/event-stream")));
    for (String[] e : events) {
      frames.add(new Data(id, e[1], e[0]));
    }
    frames.add(End.of(id));
    return frames;
  }

  // ---- Anthropic Messages ------------------------------------------------------------------

  @Test
  void anthropicStreamKeepsEventNamesAndHeadersAndGetsTheConnectorsKey() throws Exception {
    ConnectorPeer peer = attach(KEYED_TOKEN, ALL_APIS, "claude-local");
    CompletableFuture<HttpResponse<String>> answer =
        sendAsync(
            messages("{\"model\":\"claude-local\",\"max_tokens\":8,\"stream\":true}")
                .header("x-request-id", "anthropic-stream-1")
                .build());
    Request request = peer.await(Request.class);
    assertThat(request.path()).isEqualTo("/v1/messages");
    assertThat(request.api()).isEqualTo("anthropic");
    assertThat(request.stream()).isTrue();
    assertThat(request.headers())
        .containsEntry("anthropic-version", "2023-06-01")
        .containsEntry("anthropic-beta", "tools-2024-04-04")
        .containsEntry("authorization", "Bearer " + LLM_KEY)
        .containsEntry("x-request-id", "anthropic-stream-1")
        .doesNotContainKey("x-api-key");
    sse(
            request.id(),
            new String[][] {
              {"message_start", "{\"type\":\"message_start\"}"},
              {"ping", "{\"type\": \"ping\"}"},
              {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0}"},
              {"message_stop", "{\"type\":\"message_stop\"}"}
            })
        .forEach(peer::send);
    HttpResponse<String> r = get(answer);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
    assertThat(r.headers().firstValue("x-request-id")).hasValue("anthropic-stream-1");
    assertThat(r.body())
        .isEqualTo(
            "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
                + "event: ping\ndata: {\"type\": \"ping\"}\n\n"
                + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
  }

  @Test
  void anthropicKeyMayBeABearerTokenAndCountTokensNeverStreams() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, ALL_APIS, "claude-count");
    CompletableFuture<HttpResponse<String>> answer =
        sendAsync(
            post("/v1/messages/count_tokens", "{\"model\":\"claude-count\",\"stream\":true}")
                .header("Authorization", "Bearer " + USER_KEY)
                .build());
    Request request = peer.await(Request.class);
    assertThat(request.path()).isEqualTo("/v1/messages/count_tokens");
    assertThat(request.stream()).isFalse();
    peer.send(new Head(request.id(), 200, Map.of("content-type", "application/json")));
    peer.send(new Data(request.id(), "{\"input_tokens\":7}"));
    peer.send(End.of(request.id()));
    HttpResponse<String> r = get(answer);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"input_tokens\":7}");
  }

  @Test
  void anthropicErrorsComeInAnthropicsShapeWithTheSameStatus() throws Exception {
    attach(PLAIN_TOKEN, List.of("openai"), "openai-only-model");
    String ok = "{\"model\":\"claude-nowhere\",\"max_tokens\":8}";
    assertAnthropicError(send(post("/v1/messages", ok).build()), 401, "authentication_error");
    assertAnthropicError(
        send(post("/v1/messages", ok).header("x-api-key", "sk-wrong").build()),
        401,
        "authentication_error");
    assertAnthropicError(send(messages(ok).build()), 404, "not_found_error");
    assertAnthropicError(send(messages("{not json").build()), 400, "invalid_request_error");
    assertAnthropicError(
        send(messages("{\"model\":\"m\",\"x\":\"" + "a".repeat(MAX_BODY) + "\"}").build()),
        413,
        "request_too_large");
    assertAnthropicError(
        send(
            HttpRequest.newBuilder(api("/v1/messages/nowhere"))
                .header("x-api-key", USER_KEY)
                .GET()
                .build()),
        404,
        "not_found_error");
    // Served, but not through this API: the message names what its connector offers.
    HttpResponse<String> notOffered =
        send(messages("{\"model\":\"openai-only-model\",\"max_tokens\":8}").build());
    assertAnthropicError(notOffered, 404, "not_found_error");
    assertThat(json(notOffered.body()).getJsonObject("error").getString("message"))
        .contains("Anthropic Messages", "openai");
    // OpenAI's paths keep OpenAI's shape, also for the same refusal.
    HttpResponse<String> viaResponses =
        send(
            post("/v1/responses", "{\"model\":\"openai-only-model\",\"input\":\"hi\"}")
                .header("Authorization", "Bearer " + USER_KEY)
                .build());
    assertOpenAiError(viaResponses, 404, "api_not_supported");
    assertOpenAiError(
        send(post("/v1/chat/completions", ok).header("x-api-key", USER_KEY).build()),
        401,
        "invalid_api_key");
  }

  @Test
  void anthropicStreamBrokenOffEndsWithAnErrorEventAndClientGoneCancels() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, ALL_APIS, "claude-break");
    HttpResponse<InputStream> response =
        http.sendAsync(
                messages("{\"model\":\"claude-break\",\"max_tokens\":8,\"stream\":true}").build(),
                HttpResponse.BodyHandlers.ofInputStream())
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    Request request = peer.await(Request.class);
    try (SseLines lines = new SseLines(response.body())) {
      // keepalive-seconds=1: a comment comes while no event has.
      assertThat(SseLines.payloads(lines.until(": keep-alive", WAIT))).isEmpty();
      peer.send(new Head(request.id(), 200, Map.of("content-type", "text/event-stream")));
      peer.send(new Data(request.id(), "{\"type\":\"message_start\"}", "message_start"));
      peer.send(new Failure(request.id(), 502, "upstream_error", "LLM went away"));
      List<String> rest = lines.rest(WAIT);
      assertThat(rest).contains("event: message_start", "event: error");
      String error = SseLines.payloads(rest).get(SseLines.payloads(rest).size() - 1);
      assertThat(json(error).getJsonObject("error").getString("type")).isEqualTo("api_error");
    }

    HttpResponse<InputStream> second =
        http.sendAsync(
                messages("{\"model\":\"claude-break\",\"max_tokens\":8,\"stream\":true}").build(),
                HttpResponse.BodyHandlers.ofInputStream())
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    Request gone = peer.await(Request.class);
    try (SseLines lines = new SseLines(second.body())) {
      lines.until(": keep-alive", WAIT);
    }
    assertThat(peer.await(Cancel.class).id()).isEqualTo(gone.id());
  }

  // ---- Responses ------------------------------------------------------------------------------

  @Test
  void responsesStreamKeepsEventNamesWithoutDone() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, ALL_APIS, "resp-stream");
    CompletableFuture<HttpResponse<String>> answer =
        sendAsync(
            post("/v1/responses", "{\"model\":\"resp-stream\",\"input\":\"hi\",\"stream\":true}")
                .header("Authorization", "Bearer " + USER_KEY)
                .header("Accept", "application/json")
                .build());
    Request request = peer.await(Request.class);
    assertThat(request.api()).isEqualTo("responses");
    assertThat(request.headers()).doesNotContainKey("authorization");
    sse(
            request.id(),
            new String[][] {
              {"response.created", "{\"type\":\"response.created\",\"response\":{\"id\":\"r1\"}}"},
              {"response.output_text.delta", "{\"delta\":\"Hi\"}"},
              {"response.completed", "{\"type\":\"response.completed\"}"}
            })
        .forEach(peer::send);
    HttpResponse<String> r = get(answer);
    assertThat(r.body())
        .isEqualTo(
            "event: response.created\n"
                + "data: {\"type\":\"response.created\",\"response\":{\"id\":\"r1\"}}\n\n"
                + "event: response.output_text.delta\ndata: {\"delta\":\"Hi\"}\n\n"
                + "event: response.completed\ndata: {\"type\":\"response.completed\"}\n\n");
  }

  @Test
  void storedResponsesAreAskedOfTheConnectorThatCreatedThem() throws Exception {
    ConnectorPeer first = attach(PLAIN_TOKEN, ALL_APIS, "resp-stored");
    ConnectorPeer second = attach(NOKEY_TOKEN, ALL_APIS, "resp-stored");
    for (ConnectorPeer peer : List.of(first, second)) {
      peer.autoAnswer(
          request -> {
            String id = peer == first ? "resp_first" : "resp_second";
            String body =
                request.method().equals("DELETE")
                    ? "{\"id\":\"" + id + "\",\"deleted\":true}"
                    : "{\"id\":\""
                        + id
                        + "\",\"object\":\"response\",\"by\":\""
                        + request.method()
                        + " "
                        + request.path()
                        + (request.query() == null ? "" : "?" + request.query())
                        + "\"}";
            return List.of(
                new Head(request.id(), 200, Map.of("content-type", "application/json")),
                new Data(request.id(), body),
                End.of(request.id()));
          });
    }
    // Two creations: the router takes the two connectors in turn.
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> created =
          send(
              post("/v1/responses", "{\"model\":\"resp-stored\",\"input\":\"hi\"}")
                  .header("Authorization", "Bearer " + USER_KEY)
                  .build());
      ids.add(json(created.body()).getString("id"));
    }
    assertThat(ids).containsExactlyInAnyOrder("resp_first", "resp_second");
    for (String id : ids) {
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> again =
            send(
                HttpRequest.newBuilder(api("/v1/responses/" + id))
                    .header("Authorization", "Bearer " + USER_KEY)
                    .GET()
                    .build());
        assertThat(json(again.body()).getString("id")).as("asked of its creator").isEqualTo(id);
        assertThat(json(again.body()).getString("by")).isEqualTo("GET /v1/responses/" + id);
      }
      // The client's query string goes on to the LLM as it came.
      String query = "include%5B%5D=message.output_text.logprobs&stream=false";
      HttpResponse<String> withQuery =
          send(
              HttpRequest.newBuilder(api("/v1/responses/" + id + "?" + query))
                  .header("Authorization", "Bearer " + USER_KEY)
                  .GET()
                  .build());
      assertThat(json(withQuery.body()).getString("by"))
          .isEqualTo("GET /v1/responses/" + id + "?" + query);
    }
    HttpResponse<String> cancelled =
        send(
            post("/v1/responses/" + ids.get(0) + "/cancel", "")
                .header("Authorization", "Bearer " + USER_KEY)
                .build());
    assertThat(json(cancelled.body()).getString("by"))
        .isEqualTo("POST /v1/responses/" + ids.get(0) + "/cancel");
    HttpResponse<String> deleted =
        send(
            HttpRequest.newBuilder(api("/v1/responses/" + ids.get(1)))
                .header("Authorization", "Bearer " + USER_KEY)
                .DELETE()
                .build());
    assertThat(deleted.body()).contains("\"deleted\":true");
    assertOpenAiError(
        send(
            HttpRequest.newBuilder(api("/v1/responses/resp_never_made"))
                .header("Authorization", "Bearer " + USER_KEY)
                .GET()
                .build()),
        404,
        "not_found");
  }

  // ---- model names --------------------------------------------------------------------------

  @Test
  void aNameWithoutATagAndWithLatestAreOneModel() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, ALL_APIS, "tagged:latest");
    attach(NOKEY_TOKEN, List.of("openai"), "tagged");
    HttpResponse<String> models =
        send(
            HttpRequest.newBuilder(api("/v1/models"))
                .header("Authorization", "Bearer " + USER_KEY)
                .build());
    assertThat(models.body()).contains("\"id\":\"tagged\"").doesNotContain("tagged:latest");
    // Asked by the short name on Anthropic's API: only the tagged connector speaks it.
    CompletableFuture<HttpResponse<String>> answer =
        sendAsync(messages("{\"model\":\"tagged\",\"max_tokens\":8}").build());
    Request request = peer.await(Request.class);
    assertThat(request.body()).contains("\"model\":\"tagged\"");
    peer.send(new Head(request.id(), 200, Map.of("content-type", "application/json")));
    peer.send(new Data(request.id(), "{\"type\":\"message\"}"));
    peer.send(End.of(request.id()));
    assertThat(get(answer).statusCode()).isEqualTo(200);
    assertThat(
            send(HttpRequest.newBuilder(api("/v1/models/tagged:latest"))
                    .header("Authorization", "Bearer " + USER_KEY)
                    .build())
                .statusCode())
        .isEqualTo(200);
  }
}
