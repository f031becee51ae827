package io.remotellm.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Head;
import io.remotellm.protocol.Request;
import jakarta.json.Json;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The users file on the real broker (Payara Micro): named keys, allow-lists in the model list and
 * on calls, 429 with OpenAI's headers when a limit is reached (requests exact under concurrency,
 * concurrent requests, tokens charged from usage), a reload while running. Each test has users and
 * models of its own, as they share one deployment.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class UsersAndLimitsIT {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String TOKEN = "tok-users-it";
  private static final String UNNAMED_KEY = "sk-unnamed-it";
  private static final String METRICS_TOKEN = "mt-users-it";
  private static Path users;

  @ArquillianResource URL base;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<ConnectorPeer> peers = new ArrayList<>();

  @Deployment(testable = false)
  static WebArchive deployment() throws Exception {
    users = Files.createTempFile("users-it", ".yaml");
    users.toFile().deleteOnExit();
    write(
        """
        defaults: {requests_per_minute: 1000}
        users:
          - name: alice
            api_key: "sk-alice-it"
            models: ["allowed-*"]
          - name: burst
            api_key: "sk-burst-it"
            requests_per_minute: 20
          - name: single
            api_key: "sk-single-it"
            max_concurrent: 1
          - name: thrifty
            api_key: "sk-thrifty-it"
            tokens_per_minute: 100
          - name: family
            api_key: "sk-family-it"
            requests_per_minute: 2
          - name: refusals
            api_key: "sk-refusals-it"
            requests_per_minute: 1
        """);
    return TestDeployments.broker(
        String.join(
            "\n",
            "remotellm.broker.user-api-keys=" + UNNAMED_KEY,
            "remotellm.broker.connector-tokens=" + TOKEN,
            "remotellm.broker.user-config=" + users.toAbsolutePath(),
            "remotellm.broker.user-config-reload-seconds=1",
            "remotellm.broker.metrics-token=" + METRICS_TOKEN,
            // A client gone from a stream is noticed on the next write: keep-alives every second.
            "remotellm.broker.keepalive-seconds=1",
            ""));
  }

  /** Requests the connector holds for the test to answer by hand. */
  private final BlockingQueue<Request> held = new LinkedBlockingQueue<>();

  @BeforeEach
  void connector() throws Exception {
    ConnectorPeer peer =
        ConnectorPeer.attach(
            ws(), TOKEN, "allowed-a", "allowed-b", "hidden", "burst-m", "single-m", "thrifty-m");
    peers.add(peer);
    peer.autoAnswer(
        request -> {
          if (request.body().contains("\"hold\"")) {
            held.add(request);
            return List.of();
          }
          return answer(request.id(), 60, 90);
        });
  }

  @AfterEach
  void closePeers() {
    peers.forEach(ConnectorPeer::close);
  }

  @Test
  void anAllowListHidesModelsFromTheListAndFromCalls() throws Exception {
    String list = get("/v1/models", "sk-alice-it").body();
    assertThat(list).contains("\"allowed-a\"", "\"allowed-b\"").doesNotContain("\"hidden\"");
    assertThat(get("/v1/models/hidden", "sk-alice-it").statusCode()).isEqualTo(404);
    assertThat(get("/v1/models/allowed-a", "sk-alice-it").statusCode()).isEqualTo(200);
    HttpResponse<String> refused = chat("sk-alice-it", "hidden", false);
    assertThat(refused.statusCode()).isEqualTo(404);
    assertThat(refused.body())
        .contains("\"code\":\"model_not_found\"")
        .contains("is not served by any connected connector");
    assertThat(chat("sk-alice-it", "allowed-a", false).statusCode()).isEqualTo(200);
    // Another user sees everything; so does a key from the list, under the file's defaults.
    assertThat(get("/v1/models", "sk-burst-it").body()).contains("\"hidden\"");
    HttpResponse<String> unnamed = chat(UNNAMED_KEY, "hidden", false);
    assertThat(unnamed.statusCode()).isEqualTo(200);
    assertThat(unnamed.headers().firstValue("x-ratelimit-limit-requests")).hasValue("1000");
  }

  @Test
  void anthropicAndOllamaClientsMeetTheSameAllowListsAndLimitsInTheirOwnShapes() throws Exception {
    ConnectorPeer families =
        ConnectorPeer.attachWithApis(
            ws(), TOKEN, List.of("openai", "anthropic", "ollama"), "family-m");
    peers.add(families);
    families.autoAnswer(request -> answer(request.id(), 5, 7));

    // Alice's allow-list ("allowed-*") hides family-m on every API, each in its own error shape.
    HttpResponse<String> messages = messages("sk-alice-it", "family-m");
    assertThat(messages.statusCode()).isEqualTo(404);
    assertThat(messages.body()).startsWith("{\"type\":\"error\"").contains("not_found_error");
    HttpResponse<String> ollama = ollamaChat("sk-alice-it", "family-m");
    assertThat(ollama.statusCode()).isEqualTo(404);
    assertThat(ollama.body()).startsWith("{\"error\":").contains("family-m");
    assertThat(get("/api/tags", "sk-alice-it").body()).doesNotContain("family-m");
    assertThat(get("/api/tags", "sk-family-it").body()).contains("\"family-m\"");

    // Two requests a minute: one through each API passes, the third is 429 in that API's shape,
    // and every answer carries the rate-limit headers.
    HttpResponse<String> first = messages("sk-family-it", "family-m");
    HttpResponse<String> second = ollamaChat("sk-family-it", "family-m");
    HttpResponse<String> overMessages = messages("sk-family-it", "family-m");
    HttpResponse<String> overOllama = ollamaChat("sk-family-it", "family-m");
    assertThat(List.of(first.statusCode(), second.statusCode())).containsOnly(200);
    assertThat(overMessages.statusCode()).isEqualTo(429);
    assertThat(overMessages.body())
        .startsWith("{\"type\":\"error\"")
        .contains("\"rate_limit_error\"")
        .contains("requests_per_minute");
    assertThat(overOllama.statusCode()).isEqualTo(429);
    assertThat(overOllama.body()).startsWith("{\"error\":").contains("requests_per_minute");
    for (HttpResponse<String> answer : List.of(first, second, overMessages, overOllama)) {
      assertThat(answer.headers().firstValue("x-ratelimit-limit-requests")).hasValue("2");
    }
    assertThat(overMessages.headers().firstValue("Retry-After")).isPresent();
    assertThat(overOllama.headers().firstValue("Retry-After")).isPresent();
  }

  private HttpResponse<String> messages(String key, String model) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri("/v1/messages"))
            .timeout(WAIT)
            .header("x-api-key", key)
            .header("anthropic-version", "2023-06-01")
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
            .build(),
        ofString());
  }

  private HttpResponse<String> ollamaChat(String key, String model) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri("/api/chat"))
            .timeout(WAIT)
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
            .build(),
        ofString());
  }

  @Test
  void twentyPerMinuteLetsExactlyTwentyOfThirtyConcurrentRequestsThrough() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      sent.add(http.sendAsync(chatRequest("sk-burst-it", "burst-m", i % 2 == 0), ofString()));
    }
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> f : sent) {
      answers.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
    }
    Map<Integer, Long> byStatus =
        answers.stream()
            .collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
    assertThat(byStatus).containsOnly(Map.entry(200, 20L), Map.entry(429, 10L));
    for (HttpResponse<String> answer : answers) {
      assertThat(answer.headers().firstValue("x-ratelimit-limit-requests")).hasValue("20");
      assertThat(answer.headers().firstValue("x-ratelimit-remaining-requests")).isPresent();
      assertThat(answer.headers().firstValue("x-ratelimit-reset-requests"))
          .hasValueSatisfying(v -> assertThat(v).matches("[0-9.]+m?s|[0-9]+m[0-9.]+s"));
      if (answer.statusCode() == 429) {
        assertThat(answer.headers().firstValue("Retry-After"))
            .hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 60));
        assertThat(answer.body())
            .contains("\"type\":\"requests\"")
            .contains("\"code\":\"rate_limit_exceeded\"")
            .contains("requests_per_minute");
      }
    }
    // Streamed answers carry the headers too, before the first event.
    assertThat(
            answers.stream()
                .filter(a -> a.statusCode() == 200)
                .filter(a -> a.body().startsWith("data:"))
                .count())
        .isPositive();
  }

  @Test
  void aConcurrencySlotIsHeldUntilTheAnswerEndsHoweverItEnds() throws Exception {
    ConnectorPeer peer = peers.get(0);
    CompletableFuture<HttpResponse<String>> holding =
        http.sendAsync(chatRequest("sk-single-it", "single-m", "hold", false), ofString());
    Request first = held.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(first).isNotNull();
    HttpResponse<String> second = chat("sk-single-it", "single-m", false);
    assertThat(second.statusCode()).isEqualTo(429);
    assertThat(second.body()).contains("max_concurrent");
    assertThat(second.headers().firstValue("Retry-After")).isPresent();
    answer(peer, first.id());
    assertThat(holding.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    // One request at a time, each sent the moment the last answer arrived: the slot is free by
    // then (it is freed before the answer's end is written), so none is refused.
    for (int i = 0; i < 30; i++) {
      boolean stream = i % 2 == 1;
      HttpResponse<String> next =
          http.send(chatRequest("sk-single-it", "single-m", stream), ofString());
      assertThat(next.statusCode())
          .as("request %d, stream %s: %s", i, stream, next.body())
          .isEqualTo(200);
    }

    // A client that goes away frees its slot too.
    CompletableFuture<HttpResponse<String>> cancelled =
        http.sendAsync(chatRequest("sk-single-it", "single-m", "hold", true), ofString());
    assertThat(held.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
    cancelled.cancel(true);
    await("the slot of a cancelled stream is free again")
        .atMost(WAIT)
        .until(() -> chat("sk-single-it", "single-m", false).statusCode() == 200);

    // A request the relay refuses (no connector serves the model) frees its slot at once.
    assertThat(chat("sk-single-it", "nobody-serves-this", false).statusCode()).isEqualTo(404);
    assertThat(chat("sk-single-it", "single-m", false).statusCode()).isEqualTo(200);
  }

  @Test
  void tokensAreChargedFromTheUsageOfTheAnswer() throws Exception {
    HttpResponse<String> first = chat("sk-thrifty-it", "thrifty-m", false);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("x-ratelimit-limit-tokens")).hasValue("100");
    assertThat(first.headers().firstValue("x-ratelimit-remaining-tokens")).hasValue("100");
    // The answer used 60 + 90 tokens: the minute is over its 100 once that is known.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              HttpResponse<String> next = chat("sk-thrifty-it", "thrifty-m", false);
              assertThat(next.statusCode()).isEqualTo(429);
              assertThat(next.body()).contains("\"type\":\"tokens\"").contains("tokens_per_minute");
              assertThat(next.headers().firstValue("x-ratelimit-remaining-tokens")).hasValue("0");
            });
  }

  @Test
  void editsToTheUsersFileTakeEffectWithoutARestart() throws Exception {
    assertThat(chat("sk-newcomer-it", "allowed-a", false).statusCode()).isEqualTo(401);
    assertThat(health()).contains("\"user_config\":\"in force\"");
    String original = Files.readString(users);
    try {
      write(
          original
              + "  - name: newcomer\n"
              + "    api_key_sha256: \""
              + sha256Hex("sk-newcomer-it")
              + "\"\n"
              + "    models: [\"allowed-b\"]\n");
      await("the new key works")
          .atMost(WAIT)
          .until(() -> chat("sk-newcomer-it", "allowed-b", false).statusCode() == 200);
      assertThat(chat("sk-newcomer-it", "allowed-a", false).statusCode()).isEqualTo(404);

      // A broken file changes nothing, and health says why without showing a key.
      write(original.replace("name: burst", "name: [burst"));
      await().atMost(WAIT).until(() -> health().contains("not reloaded"));
      assertThat(health())
          .contains("\"user_config\":\"not reloaded: users file " + users.toAbsolutePath())
          .doesNotContain("sk-");
      assertThat(chat("sk-newcomer-it", "allowed-b", false).statusCode()).isEqualTo(200);
    } finally {
      write(original);
    }
    await("the removed key is refused")
        .atMost(WAIT)
        .until(() -> chat("sk-newcomer-it", "allowed-b", false).statusCode() == 401);
    assertThat(health()).contains("\"user_config\":\"in force\"");
  }

  @Test
  void metricsCountWhatWasSentAndPassPromtool() throws Exception {
    assertThat(get("/metrics", null).statusCode()).isEqualTo(401);
    assertThat(get("/metrics", "mt-wrong").statusCode()).isEqualTo(401);
    assertThat(get("/metrics", UNNAMED_KEY).statusCode()).isEqualTo(401);
    String before = metrics();
    for (int i = 0; i < 3; i++) {
      assertThat(chat("sk-alice-it", "allowed-b", false).statusCode()).isEqualTo(200);
    }
    assertThat(chat("sk-alice-it", "allowed-b", true).statusCode()).isEqualTo(200);
    assertThat(chat("sk-alice-it", "hidden", false).statusCode()).isEqualTo(404);
    String ok =
        "remotellm_requests_total{api=\"openai\",model=\"allowed-b\",status=\"2xx\",user=\"alice\"}";
    String input =
        "remotellm_tokens_total{model=\"allowed-b\",token_type=\"input\",user=\"alice\"}";
    String output =
        "remotellm_tokens_total{model=\"allowed-b\",token_type=\"output\",user=\"alice\"}";
    String after = metrics();
    assertThat(value(after, ok) - value(before, ok)).isEqualTo(4);
    assertThat(value(after, input) - value(before, input)).isEqualTo(4 * 60);
    assertThat(value(after, output) - value(before, output)).isEqualTo(4 * 90);
    assertThat(value(after, "remotellm_connectors_connected")).isEqualTo(1);
    assertThat(value(after, "remotellm_model_up{model=\"allowed-b\"}")).isEqualTo(1);
    assertThat(value(after, "remotellm_requests_in_flight")).isZero();
    assertThat(after)
        .contains(
            "gen_ai_server_request_duration_seconds_bucket{api=\"openai\",model=\"allowed-b\"")
        .contains(
            "gen_ai_server_time_to_first_token_seconds_count{api=\"openai\",model=\"allowed-b\"}")
        .contains(
            "gen_ai_client_token_usage_sum{api=\"openai\",model=\"allowed-b\",token_type=\"input\"}")
        .contains("remotellm_rate_limited_total{limit=\"requests_per_minute\"}")
        .contains("remotellm_connector_attaches_total")
        .doesNotContain("sk-")
        .doesNotContain("/v1/");
    Promtool.check(after);
  }

  @Test
  void requestsRefusedBeforeRelayingCountWithTheirStatusClassOnEveryApi() throws Exception {
    String before = metrics();
    // 401: a wrong key on each family, before any body is read (no user, no model yet).
    assertThat(chat("sk-wrong-it", "allowed-b", false).statusCode()).isEqualTo(401);
    assertThat(messages("sk-wrong-it", "allowed-b").statusCode()).isEqualTo(401);
    assertThat(ollamaChat("sk-wrong-it", "allowed-b").statusCode()).isEqualTo(401);
    assertThat(get("/v1/responses/resp_refused1", "sk-wrong-it").statusCode()).isEqualTo(401);
    // 404: a served model outside alice's allow-list, on each family.
    assertThat(chat("sk-alice-it", "hidden", false).statusCode()).isEqualTo(404);
    assertThat(messages("sk-alice-it", "hidden").statusCode()).isEqualTo(404);
    assertThat(ollamaChat("sk-alice-it", "hidden").statusCode()).isEqualTo(404);
    // 404 for a model nobody serves: the client's text never becomes a label.
    assertThat(chat("sk-alice-it", "allowed-nobody-serves", false).statusCode()).isEqualTo(404);
    // 400: a body that is no JSON; 413: a body announced larger than the limit.
    assertThat(post("/v1/chat/completions", "sk-alice-it", "{not json").statusCode())
        .isEqualTo(400);
    assertThat(post("/api/chat", "sk-alice-it", "{not json").statusCode()).isEqualTo(400);
    assertThat(announceHugeBody("/v1/chat/completions", "sk-alice-it")).startsWith("HTTP/1.1 413");
    assertThat(announceHugeBody("/api/chat", "sk-alice-it")).startsWith("HTTP/1.1 413");
    // 429: one request a minute.
    assertThat(chat("sk-refusals-it", "allowed-a", false).statusCode()).isEqualTo(200);
    assertThat(chat("sk-refusals-it", "allowed-a", false).statusCode()).isEqualTo(429);

    String after = metrics();
    Map<String, Integer> expected =
        Map.of(
            series("openai", "other", "4xx", "-"), 1,
            series("anthropic", "other", "4xx", "-"), 1,
            series("ollama", "other", "4xx", "-"), 1,
            series("responses", "other", "4xx", "-"), 1,
            series("openai", "hidden", "4xx", "alice"), 1,
            series("anthropic", "hidden", "4xx", "alice"), 1,
            series("ollama", "hidden", "4xx", "alice"), 1,
            series("openai", "other", "4xx", "alice"), 3, // unserved model, 400, 413
            series("ollama", "other", "4xx", "alice"), 2, // 400, 413
            series("openai", "allowed-a", "4xx", "refusals"), 1);
    expected.forEach(
        (name, count) ->
            assertThat(value(after, name) - value(before, name))
                .as(name)
                .isEqualTo(count.doubleValue()));
    assertThat(value(after, series("openai", "allowed-a", "2xx", "refusals"))).isEqualTo(1);
    assertThat(after).doesNotContain("allowed-nobody-serves").doesNotContain("sk-");
    Promtool.check(after);
  }

  private static String series(String api, String model, String status, String user) {
    return "remotellm_requests_total{api=\""
        + api
        + "\",model=\""
        + model
        + "\",status=\""
        + status
        + "\",user=\""
        + user
        + "\"}";
  }

  private HttpResponse<String> post(String path, String key, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .timeout(WAIT)
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        ofString());
  }

  /**
   * The status line answered to a POST whose Content-Length is over the body limit, sent without
   * the body (the JDK's client sets Content-Length itself, so a raw socket).
   */
  private String announceHugeBody(String path, String key) throws Exception {
    URI target = uri(path);
    try (java.net.Socket socket = new java.net.Socket(target.getHost(), target.getPort())) {
      socket.setSoTimeout((int) WAIT.toMillis());
      String head =
          "POST "
              + path
              + " HTTP/1.1\r\nHost: "
              + target.getHost()
              + "\r\nAuthorization: Bearer "
              + key
              + "\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n"
              + "Connection: close\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      java.io.BufferedReader in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
      return String.valueOf(in.readLine());
    }
  }

  private String metrics() throws Exception {
    HttpResponse<String> scrape = get("/metrics", METRICS_TOKEN);
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
    return scrape.body();
  }

  /** The value of the series named exactly {@code series} (name and labels), 0 if absent. */
  private static double value(String scrape, String series) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).strip());
      }
    }
    return 0;
  }

  // ---- helpers -------------------------------------------------------------------------

  private static List<Frame> answer(String id, int input, int output) {
    return List.of(
        new Head(id, 200, Map.of("content-type", "application/json")),
        new Data(id, "{\"ok\":true}"),
        new End(
            id,
            Json.createObjectBuilder()
                .add("prompt_tokens", input)
                .add("completion_tokens", output)
                .build()));
  }

  private static void answer(ConnectorPeer peer, String id) {
    answer(id, 1, 1).forEach(peer::send);
  }

  private HttpRequest chatRequest(String key, String model, boolean stream) {
    return chatRequest(key, model, "hi", stream);
  }

  private HttpRequest chatRequest(String key, String model, String content, boolean stream) {
    return HttpRequest.newBuilder(uri("/v1/chat/completions"))
        .timeout(WAIT)
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .POST(
            HttpRequest.BodyPublishers.ofString(
                "{\"model\":\""
                    + model
                    + "\",\"stream\":"
                    + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\""
                    + content
                    + "\"}]}"))
        .build();
  }

  private HttpResponse<String> chat(String key, String model, boolean stream) throws Exception {
    return http.send(chatRequest(key, model, stream), ofString());
  }

  private HttpResponse<String> get(String path, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(WAIT);
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return http.send(request.build(), ofString());
  }

  private String health() throws Exception {
    return http.send(HttpRequest.newBuilder(uri("/health/live")).build(), ofString()).body();
  }

  private static HttpResponse.BodyHandler<String> ofString() {
    return HttpResponse.BodyHandlers.ofString();
  }

  private URI uri(String path) {
    return URI.create(base.toString()).resolve(path);
  }

  private URI ws() {
    return URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws");
  }

  private static String sha256Hex(String key) {
    return java.util.HexFormat.of().formatHex(io.remotellm.protocol.Fingerprint.sha256(key));
  }

  /** Writes the file the way an editor's save does: a new file moved over the old one. */
  private static void write(String text) throws Exception {
    Path next = Files.createTempFile(users.getParent(), "users-it", ".tmp");
    Files.writeString(next, text);
    Files.move(next, users, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
