package io.remotellm.broker.it;

import static io.remotellm.broker.it.TestDeployments.KEYED_TOKEN;
import static io.remotellm.broker.it.TestDeployments.LLM_KEY;
import static io.remotellm.broker.it.TestDeployments.MAX_BODY;
import static io.remotellm.broker.it.TestDeployments.NOKEY_TOKEN;
import static io.remotellm.broker.it.TestDeployments.OTHER_USER_KEY;
import static io.remotellm.broker.it.TestDeployments.PLAIN_TOKEN;
import static io.remotellm.broker.it.TestDeployments.USER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Head;
import io.remotellm.protocol.Request;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The broker deployed on Payara Micro, driven from outside: an HTTP client on one side, scripted
 * connector peers on the relay socket on the other. One deployment (one boot) for all of these.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrokerIT {

  private static final Duration WAIT = Duration.ofSeconds(15);

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
        "connectors:\n"
            + "  - token: \""
            + KEYED_TOKEN
            + "\"\n"
            + "    llm_api_key: \""
            + LLM_KEY
            + "\"\n"
            + "  - token: \""
            + NOKEY_TOKEN
            + "\"\n");
    return TestDeployments.broker(
        String.join(
            "\n",
            "remotellm.broker.user-api-keys=" + USER_KEY + "," + OTHER_USER_KEY,
            "remotellm.broker.connector-tokens=" + PLAIN_TOKEN,
            "remotellm.broker.connector-config=" + yaml.toAbsolutePath(),
            "remotellm.broker.keepalive-seconds=1",
            "remotellm.broker.heartbeat-seconds=2",
            "remotellm.broker.upstream-timeout-seconds=8",
            "remotellm.broker.max-body-bytes=" + MAX_BODY,
            "remotellm.broker.log-level=DEBUG",
            ""));
  }

  @AfterEach
  void closePeers() {
    peers.forEach(ConnectorPeer::close);
  }

  // ---- helpers ---------------------------------------------------------------------------

  private URI ws() {
    return URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws");
  }

  private URI api(String path) {
    return URI.create(base.toString()).resolve(path);
  }

  private ConnectorPeer attach(String token, String... models) throws Exception {
    ConnectorPeer peer = ConnectorPeer.attach(ws(), token, models);
    peers.add(peer);
    return peer;
  }

  private HttpRequest.Builder chat(String body) {
    return HttpRequest.newBuilder(api("/v1/chat/completions"))
        .timeout(WAIT)
        .header("Authorization", "Bearer " + USER_KEY)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject json(String text) {
    return Json.createReader(new StringReader(text)).readObject();
  }

  private static void assertError(HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonObject error = json(response.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.containsKey("type")).isTrue();
    assertThat(error.containsKey("param")).isTrue();
    assertThat(response.headers().firstValue("x-request-id")).isPresent();
  }

  private static List<Frame> answer(String id, String... chunks) {
    List<Frame> frames = new ArrayList<>();
    frames.add(new Head(id, 200, Map.of("content-type", "application/json")));
    for (String c : chunks) {
      frames.add(new Data(id, c));
    }
    frames.add(End.of(id));
    return frames;
  }

  // ---- round trips -----------------------------------------------------------------------

  @Test
  void embeddingsAndTextCompletionsAreRelayedByModelToo() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "rt-embed");
    // Embeddings never stream, whatever the body says: answered as JSON.
    String embed = "{\"model\":\"rt-embed\",\"input\":[\"a\",\"b\"],\"stream\":true}";
    CompletableFuture<HttpResponse<String>> embedded =
        http.sendAsync(
            HttpRequest.newBuilder(api("/v1/embeddings"))
                .timeout(WAIT)
                .header("Authorization", "Bearer " + USER_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(embed))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Request request = peer.await(Request.class);
    assertThat(request.path()).isEqualTo("/v1/embeddings");
    assertThat(request.stream()).isFalse();
    assertThat(request.body()).isEqualTo(embed);
    answer(request.id(), "{\"object\":\"list\",\"data\":[]}").forEach(peer::send);
    HttpResponse<String> embedAnswer = embedded.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(embedAnswer.statusCode()).isEqualTo(200);
    assertThat(embedAnswer.body()).isEqualTo("{\"object\":\"list\",\"data\":[]}");

    // Text completions stream as chat does.
    CompletableFuture<HttpResponse<String>> completed =
        http.sendAsync(
            HttpRequest.newBuilder(api("/v1/completions"))
                .timeout(WAIT)
                .header("Authorization", "Bearer " + USER_KEY)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"rt-embed\",\"prompt\":\"Hi\",\"stream\":true}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Request streamed = peer.await(Request.class);
    assertThat(streamed.path()).isEqualTo("/v1/completions");
    assertThat(streamed.stream()).isTrue();
    peer.send(new Head(streamed.id(), 200, Map.of("content-type", "text/event-stream")));
    peer.send(
        new Data(
            streamed.id(), "{\"object\":\"text_completion\",\"choices\":[{\"text\":\"Hel\"}]}"));
    peer.send(
        new Data(
            streamed.id(), "{\"object\":\"text_completion\",\"choices\":[{\"text\":\"lo\"}]}"));
    peer.send(End.of(streamed.id()));
    HttpResponse<String> streamAnswer = completed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(streamAnswer.headers().firstValue("content-type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
    assertThat(streamAnswer.body())
        .contains("data: {\"object\":\"text_completion\",\"choices\":[{\"text\":\"Hel\"}]}")
        .endsWith("data: [DONE]\n\n");
    // Still nothing else under /v1 is relayed: the internal paths are not reachable either.
    assertError(
        send(
            HttpRequest.newBuilder(api("/v1/~relayed/buffered"))
                .header("Authorization", "Bearer " + USER_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(embed))
                .build()),
        404,
        "not_found");
  }

  @Test
  void nonStreamingRoundTripRelaysBytesVerbatim() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "rt-plain");
    String body =
        "{ \"model\" : \"rt-plain\",\n  \"messages\":[{\"role\":\"user\",\"content\":\"Grüße 🌍 \\u00e9\"}],  \"temperature\": 0.70 }";
    CompletableFuture<HttpResponse<String>> response =
        http.sendAsync(
            chat(body).header("x-request-id", "rid-rt-1").build(),
            HttpResponse.BodyHandlers.ofString());

    Request request = peer.await(Request.class);
    assertThat(request.body()).isEqualTo(body);
    assertThat(request.stream()).isFalse();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/v1/chat/completions");
    // The frame id is the broker's own relay id; the client's id travels as a header.
    assertThat(request.id()).isNotEqualTo("rid-rt-1");
    assertThat(request.headers()).containsEntry("x-request-id", "rid-rt-1");
    assertThat(request.headers()).doesNotContainKey("authorization");
    String part1 = "{\"id\":\"cmpl-1\",  \"choices\":[{\"message\":{\"content\":\"Hallo ";
    String part2 = "Wélt\"}}], \"usage\" : {\"total_tokens\":3}}";
    peer.send(new Head(request.id(), 200, Map.of("content-type", "application/json")));
    peer.send(new Data(request.id(), part1));
    peer.send(new Data(request.id(), part2));
    peer.send(End.of(request.id()));

    HttpResponse<String> r = response.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(part1 + part2);
    assertThat(r.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(r.headers().firstValue("x-request-id")).hasValue("rid-rt-1");
  }

  @Test
  void streamingRoundTripRelaysPayloadsVerbatimWithOneDone() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "rt-stream");
    String body = "{\"model\":\"rt-stream\",\"stream\":true,\"messages\":[]}";
    HttpResponse<InputStream> response =
        http.sendAsync(chat(body).build(), HttpResponse.BodyHandlers.ofInputStream())
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    Request request = peer.await(Request.class);
    assertThat(request.stream()).isTrue();
    // Verbatim but for the one option the broker adds to read the stream's usage (LedgerIT).
    assertThat(request.body())
        .isEqualTo(
            "{\"stream_options\":{\"include_usage\":true},"
                + "\"model\":\"rt-stream\",\"stream\":true,\"messages\":[]}");

    List<String> payloads =
        List.of(
            "{\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}",
            "{\"choices\": [ {\"delta\": {\"content\": \"lo ✓ \\\"q\\\"\"} } ]  }",
            "{\"choices\":[{\"delta\":{}, \"finish_reason\":\"stop\"}]}");
    peer.send(new Head(request.id(), 200, Map.of("content-type", "text/event-stream")));
    for (String p : payloads) {
      peer.send(new Data(request.id(), p));
    }
    peer.send(new Data(request.id(), "[DONE]")); // the upstream's own: must not be doubled
    peer.send(End.of(request.id()));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    assertThat(response.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(response.headers().firstValue("x-accel-buffering")).hasValue("no");
    assertThat(response.headers().firstValue("x-request-id")).isPresent();
    try (SseLines lines = new SseLines(response.body())) {
      List<String> data = SseLines.payloads(lines.rest(WAIT));
      List<String> expected = new ArrayList<>(payloads);
      expected.add("[DONE]");
      assertThat(data).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void keepAliveCommentComesBeforeALateFirstToken() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "ka-model");
    HttpResponse<InputStream> response =
        http.sendAsync(
                chat("{\"model\":\"ka-model\",\"stream\":true}").build(),
                HttpResponse.BodyHandlers.ofInputStream())
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    Request request = peer.await(Request.class);
    try (SseLines lines = new SseLines(response.body())) {
      // keepalive-seconds=1 in this deployment: a comment must come while no token has.
      List<String> before = lines.until(": keep-alive", Duration.ofSeconds(10));
      assertThat(SseLines.payloads(before)).isEmpty();
      peer.send(new Head(request.id(), 200, Map.of()));
      peer.send(new Data(request.id(), "{\"late\":true}"));
      peer.send(End.of(request.id()));
      List<String> rest = lines.rest(WAIT);
      assertThat(SseLines.payloads(rest)).containsExactly("{\"late\":true}", "[DONE]");
    }
  }

  // ---- models, auth, bad input -------------------------------------------------------------

  @Test
  void modelsListsTheUnionOfLiveConnectors() throws Exception {
    attach(PLAIN_TOKEN, "union-a", "union-shared");
    attach(NOKEY_TOKEN, "union-b", "union-shared");
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(api("/v1/models"))
                .header("Authorization", "Bearer " + OTHER_USER_KEY)
                .build());
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject list = json(r.body());
    assertThat(list.getString("object")).isEqualTo("list");
    List<String> ids =
        list.getJsonArray("data").getValuesAs(JsonObject.class).stream()
            .map(m -> m.getString("id"))
            .filter(id -> id.startsWith("union-"))
            .toList();
    assertThat(ids).containsExactlyInAnyOrder("union-a", "union-b", "union-shared");
    JsonObject first = list.getJsonArray("data").getJsonObject(0);
    assertThat(first.getString("object")).isEqualTo("model");
    assertThat(first.containsKey("created")).isTrue();
    assertThat(first.containsKey("owned_by")).isTrue();
  }

  @Test
  void oneModelCanBeRetrievedByIdSlashesIncluded() throws Exception {
    attach(PLAIN_TOKEN, "meta-llama/Llama-3.1-8B", "plain-one");
    JsonObject one =
        json(
            send(HttpRequest.newBuilder(api("/v1/models/meta-llama/Llama-3.1-8B"))
                    .header("Authorization", "Bearer " + USER_KEY)
                    .build())
                .body());
    assertThat(one.getString("id")).isEqualTo("meta-llama/Llama-3.1-8B");
    // As the SDKs send it: the slash encoded.
    assertThat(
            json(send(HttpRequest.newBuilder(
                            URI.create(base + "v1/models/meta-llama%2FLlama-3.1-8B"))
                        .header("Authorization", "Bearer " + USER_KEY)
                        .build())
                    .body())
                .getString("id"))
        .isEqualTo("meta-llama/Llama-3.1-8B");
    assertThat(one.getString("object")).isEqualTo("model");
    assertThat(
            json(send(HttpRequest.newBuilder(api("/v1/models/plain-one"))
                        .header("Authorization", "Bearer " + USER_KEY)
                        .build())
                    .body())
                .getString("id"))
        .isEqualTo("plain-one");
    assertError(
        send(
            HttpRequest.newBuilder(api("/v1/models/not-served-anywhere"))
                .header("Authorization", "Bearer " + USER_KEY)
                .build()),
        404,
        "model_not_found");
    assertError(
        send(HttpRequest.newBuilder(api("/v1/models/plain-one")).build()), 401, "invalid_api_key");
  }

  @Test
  void missingOrWrongApiKeyIs401() throws Exception {
    attach(PLAIN_TOKEN, "auth-model");
    String body = "{\"model\":\"auth-model\"}";
    HttpResponse<String> missing =
        send(
            HttpRequest.newBuilder(api("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    assertError(missing, 401, "invalid_api_key");
    HttpResponse<String> wrong =
        send(chat(body).setHeader("Authorization", "Bearer sk-wrong").build());
    assertError(wrong, 401, "invalid_api_key");
    HttpResponse<String> models =
        send(
            HttpRequest.newBuilder(api("/v1/models"))
                .header("Authorization", "Bearer " + USER_KEY + "x")
                .build());
    assertError(models, 401, "invalid_api_key");
    assertThat(wrong.body()).doesNotContain("sk-wrong");
  }

  @Test
  void malformedBodiesAre400NotServerErrors() throws Exception {
    attach(PLAIN_TOKEN, "bad-input-model");
    List<String> bodies =
        List.of(
            "",
            "   ",
            "not json",
            "[{\"model\":\"bad-input-model\"}]",
            "{\"model\":123}",
            "{\"model\":\"bad-input-model\",\"stream\":\"yes\"}",
            "{\"messages\":[]}",
            "{\"model\":\"bad-input-model\"} trailing",
            "{\"model\":\"bad-input-model\"");
    for (String body : bodies) {
      assertError(send(chat(body).build()), 400, "invalid_request_error");
    }
    byte[] invalidUtf8 = {
      '{', '"', 'm', 'o', 'd', 'e', 'l', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'
    };
    HttpResponse<String> r =
        send(chat("").POST(HttpRequest.BodyPublishers.ofByteArray(invalidUtf8)).build());
    assertError(r, 400, "invalid_request_error");
  }

  @Test
  void whatTheContainerRefusesOnItsOwnComesInOpenAisShapeToo() throws Exception {
    // Not a media type: Jersey refuses it before any filter or mapper of the application.
    HttpResponse<String> badType =
        send(
            HttpRequest.newBuilder(api("/v1/chat/completions"))
                .header("Authorization", "Bearer " + USER_KEY)
                .header("Content-Type", "json")
                .header("x-request-id", "bad-type-1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\"}"))
                .build());
    assertError(badType, 400, "invalid_request_error");
    assertThat(badType.headers().firstValue("content-type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    assertThat(badType.headers().firstValue("x-request-id")).hasValue("bad-type-1");
    // Outside the API: the container's 404, and the error page itself asked for directly.
    assertError(
        send(HttpRequest.newBuilder(api("/v2/chat/completions")).build()), 404, "not_found");
    assertError(send(HttpRequest.newBuilder(api("/")).build()), 404, "not_found");
    assertError(send(HttpRequest.newBuilder(api("/error-page")).build()), 404, "not_found");
  }

  @Test
  void unknownModelIs404() throws Exception {
    assertError(
        send(chat("{\"model\":\"no-such-model-anywhere\"}").build()), 404, "model_not_found");
    assertError(
        send(chat("{\"model\":\"no-such-model-anywhere\",\"stream\":true}").build()),
        404,
        "model_not_found");
  }

  @Test
  void oversizedBodyIs413AndTheLinkStaysUp() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "big-model");
    peer.autoAnswer(req -> answer(req.id(), "{\"ok\":true}"));
    String big =
        "{\"model\":\"big-model\",\"messages\":[{\"role\":\"user\",\"content\":\""
            + "x".repeat(MAX_BODY + 10)
            + "\"}]}";
    assertError(send(chat(big).build()), 413, "request_too_large");
    assertThat(peer.isOpen()).isTrue();
    HttpResponse<String> after = send(chat("{\"model\":\"big-model\"}").build());
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(after.body()).isEqualTo("{\"ok\":true}");
  }

  @Test
  void requestIdIsEchoedOrMade() throws Exception {
    HttpResponse<String> given =
        send(
            HttpRequest.newBuilder(api("/v1/models"))
                .header("Authorization", "Bearer " + USER_KEY)
                .header("x-request-id", "my-trace-42")
                .build());
    assertThat(given.headers().firstValue("x-request-id")).hasValue("my-trace-42");
    HttpResponse<String> made =
        send(
            HttpRequest.newBuilder(api("/v1/models"))
                .header("Authorization", "Bearer " + USER_KEY)
                .build());
    assertThat(made.headers().firstValue("x-request-id"))
        .hasValueSatisfying(v -> assertThat(v).isNotBlank());
    HttpResponse<String> error = send(chat("{}").header("x-request-id", "bad-req-7").build());
    assertThat(error.headers().firstValue("x-request-id")).hasValue("bad-req-7");
  }

  // ---- failures and routing ------------------------------------------------------------------

  @Test
  void connectorDroppingMidStreamEndsThatStreamWithAnErrorOnly() throws Exception {
    ConnectorPeer dying = attach(PLAIN_TOKEN, "mid-a");
    ConnectorPeer healthy = attach(NOKEY_TOKEN, "mid-b");
    HttpResponse<InputStream> r1 =
        http.sendAsync(
                chat("{\"model\":\"mid-a\",\"stream\":true}").build(),
                HttpResponse.BodyHandlers.ofInputStream())
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    HttpResponse<InputStream> r2 =
        http.sendAsync(
                chat("{\"model\":\"mid-b\",\"stream\":true}").build(),
                HttpResponse.BodyHandlers.ofInputStream())
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    Request q1 = dying.await(Request.class);
    Request q2 = healthy.await(Request.class);
    dying.send(new Head(q1.id(), 200, Map.of()));
    dying.send(new Data(q1.id(), "{\"n\":1}"));
    healthy.send(new Head(q2.id(), 200, Map.of()));
    healthy.send(new Data(q2.id(), "{\"m\":1}"));
    try (SseLines s1 = new SseLines(r1.body());
        SseLines s2 = new SseLines(r2.body())) {
      s1.until("data: {\"n\":1}", WAIT);
      s2.until("data: {\"m\":1}", WAIT);
      dying.drop();
      List<String> rest1 = SseLines.payloads(s1.rest(WAIT));
      assertThat(rest1).hasSize(1);
      assertThat(json(rest1.get(0)).getJsonObject("error").getString("code"))
          .isEqualTo("upstream_error");
      assertThat(rest1).doesNotContain("[DONE]");

      healthy.send(new Data(q2.id(), "{\"m\":2}"));
      healthy.send(End.of(q2.id()));
      assertThat(SseLines.payloads(s2.rest(WAIT))).containsExactly("{\"m\":2}", "[DONE]");
    }
  }

  @Test
  void connectorDroppingAfterHeadIs502ForABufferedAnswer() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "after-head-model");
    CompletableFuture<HttpResponse<String>> response =
        http.sendAsync(
            chat("{\"model\":\"after-head-model\"}").build(), HttpResponse.BodyHandlers.ofString());
    Request request = peer.await(Request.class);
    peer.send(new Head(request.id(), 200, Map.of("content-type", "application/json")));
    peer.send(new Data(request.id(), "{\"half\":"));
    peer.drop();
    assertError(response.get(WAIT.toSeconds(), TimeUnit.SECONDS), 502, "upstream_error");
  }

  @Test
  void upstreamErrorStatusIsPassedOn() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "refusing-model");
    String llmError =
        "{\"error\":{\"message\":\"context too long\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}";
    peer.autoAnswer(
        req ->
            List.of(
                new Head(req.id(), 400, Map.of("content-type", "application/json")),
                new Data(req.id(), llmError),
                End.of(req.id())));
    HttpResponse<String> buffered = send(chat("{\"model\":\"refusing-model\"}").build());
    assertThat(buffered.statusCode()).isEqualTo(400);
    assertThat(buffered.body()).isEqualTo(llmError);
    HttpResponse<String> streamed =
        send(chat("{\"model\":\"refusing-model\",\"stream\":true}").build());
    assertThat(streamed.body()).contains("data: " + llmError).doesNotContain("[DONE]");
  }

  @Test
  void connectorDroppingBeforeHeadIsRetriedOnAnother() throws Exception {
    ConnectorPeer a = attach(PLAIN_TOKEN, "retry-model");
    ConnectorPeer b = attach(NOKEY_TOKEN, "retry-model");
    CompletableFuture<HttpResponse<String>> response =
        http.sendAsync(
            chat("{\"model\":\"retry-model\"}").header("x-request-id", "rid-retry").build(),
            HttpResponse.BodyHandlers.ofString());
    // Whichever got it drops without answering; the other must get the same request.
    Frame first = firstFrame(a, b);
    ConnectorPeer chosen =
        first == null
            ? null
            : (a.rawFrames().stream().anyMatch(t -> t.contains("rid-retry")) ? a : b);
    String relayId = ((Request) first).id();
    assertThat(chosen).isNotNull();
    ConnectorPeer other = chosen == a ? b : a;
    chosen.drop();
    Request retried = other.await(Request.class);
    assertThat(retried.id()).isEqualTo(relayId);
    assertThat(retried.headers()).containsEntry("x-request-id", "rid-retry");
    for (Frame f : answer(retried.id(), "{\"retried\":true}")) {
      other.send(f);
    }
    HttpResponse<String> r = response.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"retried\":true}");
  }

  @Test
  void capacityErrorBeforeHeadIsRetriedOnAnother() throws Exception {
    ConnectorPeer a = attach(PLAIN_TOKEN, "busy-model");
    ConnectorPeer b = attach(NOKEY_TOKEN, "busy-model");
    a.autoAnswer(req -> List.of(new Failure(req.id(), 503, "unavailable", "at capacity")));
    b.autoAnswer(req -> List.of(new Failure(req.id(), 503, "unavailable", "at capacity")));
    // Both busy: the client gets the connector's 503 after one retry.
    HttpResponse<String> busy = send(chat("{\"model\":\"busy-model\"}").build());
    assertError(busy, 503, "unavailable");
    b.autoAnswer(req -> answer(req.id(), "{\"from\":\"b\"}"));
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = send(chat("{\"model\":\"busy-model\"}").build());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"from\":\"b\"}");
    }
  }

  @Test
  void silentUpstreamTimesOutWith504AndIsCancelled() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "silent-model");
    // upstream-timeout-seconds=8 in this deployment; the peer never answers.
    HttpResponse<String> r =
        send(chat("{\"model\":\"silent-model\"}").header("x-request-id", "rid-silent").build());
    assertError(r, 504, "upstream_timeout");
    Request request = peer.await(Request.class);
    assertThat(request.headers()).containsEntry("x-request-id", "rid-silent");
    assertThat(peer.await(Cancel.class).id()).isEqualTo(request.id());
  }

  @Test
  void largeAnswerFramesPass() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "large-model");
    String big = "{\"content\":\"" + "y".repeat(6 * 1024 * 1024) + "\"}";
    peer.autoAnswer(req -> answer(req.id(), big));
    HttpResponse<String> r = send(chat("{\"model\":\"large-model\"}").build());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(big);
    assertThat(peer.isOpen()).isTrue();
  }

  @Test
  void twoRequestsInFlightWithTheSameRequestIdBothSucceed() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "dup-id-model");
    // A proxy or library that sets a fixed x-request-id, or a retry while the first still runs.
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      responses.add(
          http.sendAsync(
              chat("{\"model\":\"dup-id-model\",\"n\":" + i + "}")
                  .header("x-request-id", "rid-same")
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    Request first = peer.await(Request.class);
    Request second = peer.await(Request.class);
    assertThat(first.id()).isNotEqualTo(second.id());
    assertThat(List.of(first, second))
        .allSatisfy(r -> assertThat(r.headers()).containsEntry("x-request-id", "rid-same"));
    // Answered in the other order: each answer still reaches its own client.
    for (Request r : List.of(second, first)) {
      for (Frame f : answer(r.id(), "{\"echo\":" + r.body() + "}")) {
        peer.send(f);
      }
    }
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = responses.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"n\":" + i + "}");
      assertThat(r.headers().firstValue("x-request-id")).hasValue("rid-same");
    }
  }

  @Test
  void aSlowReaderOfALargeBufferedAnswerHoldsUpNoOtherRequestOnItsConnector() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "slow-reader-model");
    String piece = "z".repeat(1024 * 1024);
    // 16 MiB: more than the kernel buffers between broker and client hold (a send buffer grows to
    // 4 MiB here; the client's window stays small), so writing it waits for the client.
    peer.autoAnswer(
        req -> {
          if (!req.body().contains("\"big\"")) {
            return answer(req.id(), "{\"small\":true}");
          }
          List<Frame> frames = new ArrayList<>();
          frames.add(new Head(req.id(), 200, Map.of("content-type", "application/json")));
          for (int i = 0; i < 16; i++) {
            frames.add(new Data(req.id(), piece));
          }
          frames.add(End.of(req.id()));
          return frames;
        });
    String body = "{\"model\":\"slow-reader-model\",\"big\":true}";
    AtomicInteger slowRead = new AtomicInteger();
    try (Socket slow = new Socket()) {
      slow.setReceiveBufferSize(4096);
      slow.connect(new java.net.InetSocketAddress(base.getHost(), base.getPort()), 5000);
      slow.getOutputStream()
          .write(
              ("POST /v1/chat/completions HTTP/1.1\r\nHost: "
                      + base.getHost()
                      + "\r\n"
                      + "Authorization: Bearer "
                      + USER_KEY
                      + "\r\n"
                      + "Content-Type: application/json\r\nContent-Length: "
                      + body.length()
                      + "\r\n\r\n"
                      + body)
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = slow.getInputStream();
      byte[] head = new byte[12];
      assertThat(in.readNBytes(head, 0, 12)).isEqualTo(12);
      assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
      // From here the client reads about 4 KB a second, as a slow mobile client might.
      Thread reader =
          new Thread(
              () -> {
                byte[] buffer = new byte[1024];
                try {
                  while (true) {
                    int n = in.read(buffer);
                    if (n < 0) {
                      return;
                    }
                    slowRead.addAndGet(n);
                    TimeUnit.MILLISECONDS.sleep(250); // the client's pace, not a wait for an event
                  }
                } catch (Exception closed) {
                  // The test closed the socket: the slow client is done.
                }
              });
      reader.setDaemon(true);
      reader.start();
      // Meanwhile requests through the same connector are answered at their normal speed.
      for (int i = 0; i < 5; i++) {
        long started = System.nanoTime();
        HttpResponse<String> r =
            send(chat("{\"model\":\"slow-reader-model\"}").timeout(Duration.ofSeconds(5)).build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"small\":true}");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
      }
      // And the slow client was still reading its answer all that time.
      assertThat(slowRead.get()).isLessThan(16 * 1024 * 1024);
    }
  }

  /** Waits until one of the peers has received a frame; returns it. */
  private static Frame firstFrame(ConnectorPeer a, ConnectorPeer b) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Frame f = a.poll(Duration.ofMillis(50));
      if (f != null) {
        return f;
      }
      f = b.poll(Duration.ofMillis(50));
      if (f != null) {
        return f;
      }
    }
    return null;
  }

  @Test
  void protocol2PeersGetAndSendBatchesAndVersion1PeersNeverGetOne() throws Exception {
    ConnectorPeer v2 = ConnectorPeer.attach(ws(), PLAIN_TOKEN, 2, "batch-v2");
    peers.add(v2);
    ConnectorPeer v1 = attach(NOKEY_TOKEN, "batch-v1");
    assertThat(v2.welcome().protocol()).isEqualTo(2);
    assertThat(v1.welcome().protocol()).isEqualTo(1);
    // A connector newer than the broker is served in the broker's highest version, not refused.
    ConnectorPeer v9 = ConnectorPeer.attach(ws(), PLAIN_TOKEN, 9, "batch-v9");
    peers.add(v9);
    assertThat(v9.welcome().protocol()).isEqualTo(Frame.PROTOCOL_VERSION);
    // Each answer names the client's id, so a crossed answer shows.
    v2.autoAnswerBatched(
        req ->
            answer(
                req.id(),
                "{\"n\":\"" + req.headers().get("x-request-id") + "\",",
                "\"by\":\"v2\"}"));
    v1.autoAnswer(
        req ->
            answer(
                req.id(),
                "{\"n\":\"" + req.headers().get("x-request-id") + "\",",
                "\"by\":\"v1\"}"));
    ExecutorService clients = Executors.newFixedThreadPool(16);
    try {
      List<Future<HttpResponse<String>>> results = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        String model = i % 2 == 0 ? "batch-v2" : "batch-v1";
        String id = "batch-" + i;
        results.add(
            clients.submit(
                () ->
                    send(
                        chat("{\"model\":\"" + model + "\"}").header("x-request-id", id).build())));
      }
      for (int i = 0; i < results.size(); i++) {
        HttpResponse<String> r = results.get(i).get(60, TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body())
            .isEqualTo("{\"n\":\"batch-" + i + "\",\"by\":\"" + (i % 2 == 0 ? "v2" : "v1") + "\"}");
      }
    } finally {
      clients.shutdownNow();
    }
    assertThat(v1.rawFrames()).noneMatch(text -> text.contains("\"type\":\"batch\""));
  }

  @Test
  void protocol3PeersAnswerInBinaryMessagesAndEveryCharacterArrives() throws Exception {
    ConnectorPeer v3 = ConnectorPeer.attach(ws(), PLAIN_TOKEN, 3, "binary-v3");
    peers.add(v3);
    assertThat(v3.welcome().protocol()).isEqualTo(3);
    v3.binary(true);
    // Non-ASCII, a line separator and a sent replacement character: all valid UTF-8.
    String text = "Grüße 🌍 \u2028 \uFFFD \\\" end";
    String payload = "{\"text\":\"" + text + "\"}";
    v3.autoAnswerBatched(
        req -> {
          List<Frame> frames = new ArrayList<>();
          frames.add(
              new Head(
                  req.id(),
                  200,
                  Map.of("content-type", req.stream() ? "text/event-stream" : "application/json")));
          frames.add(new Data(req.id(), payload));
          frames.add(End.of(req.id()));
          return frames;
        });
    HttpResponse<String> plain = send(chat("{\"model\":\"binary-v3\"}").build());
    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
    assertThat(plain.body()).isEqualTo(payload);
    HttpResponse<String> streamed = send(chat("{\"model\":\"binary-v3\",\"stream\":true}").build());
    assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
    assertThat(streamed.body()).contains("data: " + payload + "\n\n").endsWith("data: [DONE]\n\n");
  }

  @Test
  void twoConnectorsForOneModelShareTheLoadEvenly() throws Exception {
    ConnectorPeer a = attach(PLAIN_TOKEN, "fair-model");
    ConnectorPeer b = attach(NOKEY_TOKEN, "fair-model");
    AtomicInteger toA = new AtomicInteger();
    AtomicInteger toB = new AtomicInteger();
    a.autoAnswer(
        req -> {
          toA.incrementAndGet();
          return answer(req.id(), "{\"by\":\"a\"}");
        });
    b.autoAnswer(
        req -> {
          toB.incrementAndGet();
          return answer(req.id(), "{\"by\":\"b\"}");
        });
    ExecutorService clients = Executors.newFixedThreadPool(4);
    try {
      List<Future<HttpResponse<String>>> results = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        results.add(clients.submit(() -> send(chat("{\"model\":\"fair-model\"}").build())));
      }
      Map<String, Integer> byBody = new ConcurrentHashMap<>();
      for (Future<HttpResponse<String>> f : results) {
        HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        byBody.merge(r.body(), 1, Integer::sum);
      }
      assertThat(toA.get() + toB.get()).isEqualTo(100);
      assertThat(toA.get()).isBetween(40, 60);
      assertThat(toB.get()).isBetween(40, 60);
      assertThat(byBody.get("{\"by\":\"a\"}")).isEqualTo(toA.get());
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void clientDisconnectSendsCancelToTheConnector() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "cancel-model");
    String body = "{\"model\":\"cancel-model\",\"stream\":true}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String id = "rid-cancel-" + UUID.randomUUID();
    Request request;
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/chat/completions HTTP/1.1\r\nHost: "
                  + base.getHost()
                  + "\r\n"
                  + "Authorization: Bearer "
                  + USER_KEY
                  + "\r\nContent-Type: application/json\r\n"
                  + "x-request-id: "
                  + id
                  + "\r\nContent-Length: "
                  + bytes.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      request = peer.await(Request.class);
      assertThat(request.headers()).containsEntry("x-request-id", id);
      peer.send(new Head(request.id(), 200, Map.of()));
      peer.send(new Data(request.id(), "{\"first\":1}"));
      SseLines lines = new SseLines(socket.getInputStream());
      lines.until("data: {\"first\":1}", WAIT);
    }
    // The client is gone, mid-generation: the connector must hear about it.
    Cancel cancel = peer.await(Cancel.class);
    assertThat(cancel.id()).isEqualTo(request.id());
    // Not the upstream timeout (8 s here) doing the work: the disconnect itself was noticed.
    assertThat(cancel.reason()).isEqualTo("client disconnected");
  }

  @Test
  void clientClosingTheBodyWhileTokensFlowSendsCancel() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "leaver-model");
    // HTTP/1.1: see the README on h2c, where Payara reports no error for a dropped stream.
    HttpResponse<InputStream> response =
        http.sendAsync(
                chat("{\"model\":\"leaver-model\",\"stream\":true}")
                    .header("x-request-id", "rid-leaver")
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream())
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    Request request = peer.await(Request.class);
    peer.send(new Head(request.id(), 200, Map.of()));
    // An LLM still generating: a token every 50 ms until the broker says cancel.
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    Thread generator =
        new Thread(
            () -> {
              for (int i = 0; i < 400 && !stop.get() && peer.isOpen(); i++) {
                peer.send(new Data(request.id(), "{\"tok\":" + i + "}"));
                try {
                  TimeUnit.MILLISECONDS.sleep(
                      50); // the pace of a generating LLM, not a wait for an event
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    generator.start();
    try {
      try (SseLines lines = new SseLines(response.body())) {
        lines.until("data: {\"tok\":0}", WAIT);
      }
      Cancel cancel = peer.await(Cancel.class);
      assertThat(cancel.id()).isEqualTo(request.id());
      assertThat(cancel.reason()).isEqualTo("client disconnected");
    } finally {
      stop.set(true);
      generator.join(5000);
    }
  }

  // ---- connector auth and keys ------------------------------------------------------------

  @Test
  void badConnectorTokenRegistersNothing() throws Exception {
    // Refused at the upgrade, so no socket ever opens for a wrong or missing token.
    assertThat(ConnectorPeer.upgradeStatus(ws(), "tok-wrong")).isEqualTo(401);
    assertThat(ConnectorPeer.upgradeStatus(ws(), null)).isEqualTo(401);
    // What a plain HTTP caller of /ws sees: the API's JSON error, never the token.
    HttpResponse<String> plain =
        send(
            HttpRequest.newBuilder(api("/ws"))
                .header("Authorization", "Bearer tok-wrong-secret")
                .build());
    assertThat(plain.statusCode()).isEqualTo(401);
    assertThat(plain.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(plain.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(plain.body())
        .contains("\"code\":\"invalid_api_key\"")
        .doesNotContain("tok-wrong-secret");
    HttpResponse<String> models =
        send(
            HttpRequest.newBuilder(api("/v1/models"))
                .header("Authorization", "Bearer " + USER_KEY)
                .build());
    assertThat(models.statusCode()).isEqualTo(200);
    assertThat(models.body()).doesNotContain("intruder-model");
    // The right token still gets in.
    assertThat(attach(PLAIN_TOKEN, "welcome-model").welcome()).isNotNull();
  }

  @Test
  void llmKeyGoesOnlyToItsOwnConnector() throws Exception {
    ConnectorPeer keyed = attach(KEYED_TOKEN, "keyed-model");
    ConnectorPeer plain = attach(PLAIN_TOKEN, "plain-model");
    keyed.autoAnswer(req -> answer(req.id(), "{}"));
    plain.autoAnswer(req -> answer(req.id(), "{}"));
    assertThat(send(chat("{\"model\":\"keyed-model\"}").build()).statusCode()).isEqualTo(200);
    assertThat(send(chat("{\"model\":\"plain-model\"}").build()).statusCode()).isEqualTo(200);

    String keyedRequest =
        keyed.rawFrames().stream().filter(t -> t.contains("\"request\"")).findFirst().orElseThrow();
    JsonObject headers = json(keyedRequest).getJsonObject("headers");
    assertThat(((JsonString) headers.get("authorization")).getString())
        .isEqualTo("Bearer " + LLM_KEY);
    assertThat(plain.rawFrames()).noneMatch(t -> t.contains(LLM_KEY));
    assertThat(plain.rawFrames()).noneMatch(t -> t.contains("authorization"));
    // The client's own key never leaves the broker.
    assertThat(keyed.rawFrames()).noneMatch(t -> t.contains(USER_KEY));
    assertThat(plain.rawFrames()).noneMatch(t -> t.contains(USER_KEY));
  }

  // ---- health ---------------------------------------------------------------------------------

  @Test
  void healthReportsConnectorsAndModels() throws Exception {
    attach(PLAIN_TOKEN, "health-a");
    attach(NOKEY_TOKEN, "health-b");
    HttpResponse<String> ready = send(HttpRequest.newBuilder(api("/health/ready")).build());
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    JsonObject check = json(ready.body()).getJsonArray("checks").getJsonObject(0);
    assertThat(check.getString("status")).isEqualTo("UP");
    JsonObject data = check.getJsonObject("data");
    assertThat(number(data, "connectors_connected")).isGreaterThanOrEqualTo(2);
    assertThat(data.getString("models")).contains("health-a").contains("health-b");
    assertThat(number(data, "model_count")).isGreaterThanOrEqualTo(2);
    assertThat(data.containsKey("uptime_seconds")).isTrue();
    HttpResponse<String> live = send(HttpRequest.newBuilder(api("/health/live")).build());
    assertThat(live.statusCode()).isEqualTo(200);
  }

  /** Payara's MP Health writes long data as JSON strings; other servers as numbers. */
  private static int number(JsonObject data, String name) {
    return data.get(name) instanceof JsonString s
        ? Integer.parseInt(s.getString())
        : data.getJsonNumber(name).intValue();
  }

  // ---- logs -----------------------------------------------------------------------------------

  /** Last, so the log holds every other test's traffic: keys, tokens and prompts never in it. */
  @Test
  @Order(Integer.MAX_VALUE)
  void serverLogHoldsFingerprintsNeverSecrets() throws Exception {
    Path log = Path.of(System.getProperty("broker.it.serverLog"));
    ConnectorPeer peer = attach(KEYED_TOKEN, "log-model");
    peer.autoAnswer(req -> answer(req.id(), "{}"));
    String marker = "rid-log-" + UUID.randomUUID();
    assertThat(
            send(chat("{\"model\":\"log-model\",\"messages\":[{\"content\":\"prompt-secret-text\"}]}")
                    .header("x-request-id", marker)
                    .build())
                .statusCode())
        .isEqualTo(200);
    // The server writes its log file asynchronously: wait for this request's access line.
    String text =
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(100))
            .until(() -> readLogs(log), t -> t.contains(marker + " model=log-model"));
    assertThat(text).contains(fingerprint(KEYED_TOKEN));
    for (String secret :
        List.of(
            USER_KEY,
            OTHER_USER_KEY,
            PLAIN_TOKEN,
            KEYED_TOKEN,
            NOKEY_TOKEN,
            LLM_KEY,
            "tok-wrong",
            "prompt-secret-text",
            "Grüße")) {
      assertThat(text)
          .as("server log must not contain a secret or a prompt")
          .doesNotContain(secret);
    }
  }

  /** Payara's file handler adds a generation suffix ({@code .0}): read every file of the log. */
  private static String readLogs(Path log) throws java.io.IOException {
    StringBuilder all = new StringBuilder();
    try (var files = Files.list(log.getParent())) {
      for (Path p :
          files
              .filter(f -> f.getFileName().toString().startsWith(log.getFileName().toString()))
              .toList()) {
        all.append(Files.readString(p, StandardCharsets.UTF_8));
      }
    }
    return all.toString();
  }

  private static String fingerprint(String secret) throws Exception {
    byte[] digest =
        java.security.MessageDigest.getInstance("SHA-256")
            .digest(secret.getBytes(StandardCharsets.UTF_8));
    return java.util.HexFormat.of().formatHex(digest, 0, 4);
  }
}
