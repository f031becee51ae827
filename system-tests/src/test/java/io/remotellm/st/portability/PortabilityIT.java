package io.remotellm.st.portability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.st.support.Wait;
import io.remotellm.testsupport.FakeLlm;
import jakarta.json.Json;
import jakarta.json.JsonException;
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
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The black-box checks every server must pass with the unchanged WAR. A subclass starts its server
 * once for all of them; a connector process attaches over the WebSocket and relays to a fake LLM;
 * the client is the official OpenAI Java SDK, or the JDK's client over HTTP/1.1 where a header or
 * status is checked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class PortabilityIT {

  private static final String MODEL = "portable-model";
  private static final Duration BOOT = Duration.ofMinutes(4);

  private final String userKey = secret("sk-port-user-");
  private final String token = secret("ct-port-");
  private final String llmKey = secret("sk-port-llm-");
  private final String adminKey = secret("adm-port-");
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private FakeLlm llm;
  private BrokerServer server;
  private ProductProcess connector;
  private int connectorHealth;
  private OpenAIClient openai;
  private AdminApi admin;

  /** Starts the server with the WAR deployed; it may still be booting when this returns. */
  abstract BrokerServer startServer(BrokerServer.Deployment deployment);

  @BeforeAll
  void startEverything() {
    try {
      llm = FakeLlm.start();
      Path connectorConfig = ProductRun.writeConnectorConfig(Map.of(token, llmKey));
      // -Dportability.war=... tries a candidate WAR on a server before it is built into broker-war.
      Path war =
          Path.of(
              System.getProperty(
                  "portability.war",
                  ProductProcess.root()
                      .resolve("broker-war/target/remotellm-broker.war")
                      .toString()));
      assertThat(war).as("the broker WAR (mvn -pl broker-war -am package)").isRegularFile();
      long started = System.nanoTime();
      Path dataDir = RunFiles.runDir("data-" + getClass().getSimpleName());
      server =
          startServer(
              new BrokerServer.Deployment(war, connectorConfig, userKey, adminKey, dataDir));
      awaitApi();
      System.out.printf(
          "%s served the broker's API %d s after start%n",
          server.name(), Duration.ofNanos(System.nanoTime() - started).toSeconds());

      connectorHealth = FreePort.next();
      connector =
          ProductRun.startConnector(
              "portability-connector-" + server.name().replace(' ', '-').toLowerCase(),
              llm.baseUrl().toString(),
              server.apiPort(),
              token,
              connectorHealth,
              List.of(MODEL),
              List.of("--llm-api", "openai,responses,anthropic,ollama"));
      try {
        ProductRun.awaitReady(connector, connectorHealth, Duration.ofSeconds(60));
      } catch (AssertionError e) {
        throw new AssertionError(
            e.getMessage() + "; what " + server.name() + " logged meanwhile:\n" + serverTrouble(),
            e);
      }
      admin = new AdminApi(http, apiBase(), adminKey);
      openai =
          OpenAIOkHttpClient.builder()
              .apiKey(userKey)
              .baseUrl(apiBase() + "/v1")
              .maxRetries(0)
              .timeout(Duration.ofSeconds(30))
              .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs also when {@link #startEverything} failed half-way, and stops whatever it got to start.
   */
  @AfterAll
  void stopEverything() {
    if (connector != null) {
      connector.close();
      connector = null;
    }
    if (server != null) {
      server.close();
      server = null;
    }
    if (llm != null) {
      llm.close();
      llm = null;
    }
    if (openai != null) {
      openai.close();
      openai = null;
    }
  }

  @Test
  void connectorIsAttachedAndItsModelListed() {
    assertThat(ProductRun.get("http://127.0.0.1:" + connectorHealth + "/ready").statusCode())
        .isEqualTo(200);
    List<String> ids = openai.models().list().data().stream().map(Model::id).toList();
    assertThat(ids).containsExactly(MODEL);
  }

  /** The other relayed calls and one model by id: routed the same on every server's JAX-RS. */
  @Test
  void embeddingsAndOneModelByIdWork() {
    var embedded =
        openai
            .embeddings()
            .create(EmbeddingCreateParams.builder().model(MODEL).input("hey").build());
    assertThat(embedded.data())
        .singleElement()
        .satisfies(e -> assertThat(e.embedding()).hasSize(3));
    assertThat(openai.models().retrieve(MODEL).id()).isEqualTo(MODEL);
    // No slash in the id here: Liberty refuses an encoded slash (%2F) in any path with 400
    // (server-config/liberty/README.md); Payara and WildFly pass it on.
    assertThatThrownBy(() -> openai.models().retrieve("no-such-model"))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void healthIsUpWithTheConnector() {
    HttpResponse<String> health = ProductRun.get(server.health().toString());
    assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
    String body = health.body().replace(" ", "");
    assertThat(body).contains("\"status\":\"UP\"", "\"broker-ready\"");
    // Payara writes health data values as strings ("1"); the other servers as numbers.
    assertThat(body).containsPattern("\"connectors_connected\":\"?1\"?[,}]");
    assertThat(ProductRun.get(server.health() + "/ready").statusCode()).isEqualTo(200);
    assertThat(ProductRun.get(server.health() + "/live").statusCode()).isEqualTo(200);
  }

  /**
   * One streamed call of each other API family: named SSE events pass through every server's SSE
   * writer, and a refusal on /v1/messages comes in Anthropic's shape (the error mappers' edge).
   */
  @Test
  void anthropicMessagesStreamWithNamedEventsAndErrorsInItsShape() throws Exception {
    llm.script(FakeLlm.Script.defaults().withChunks(3));
    HttpResponse<String> streamed =
        http.send(
            HttpRequest.newBuilder(URI.create(apiBase() + "/v1/messages"))
                .timeout(Duration.ofSeconds(30))
                .header("x-api-key", userKey)
                .header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\""
                            + MODEL
                            + "\",\"max_tokens\":16,\"stream\":true,\"messages\":[]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(streamed.statusCode()).isEqualTo(200);
    // RESTEasy (WildFly) opens a stream with a blank line, which SSE readers skip.
    assertThat(streamed.body().stripLeading())
        .startsWith("event: message_start\n")
        .contains("event: ping\n", "\"text\":\"tok2 \"")
        .endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
        .doesNotContain("[DONE]");
    HttpResponse<String> refused =
        http.send(
            HttpRequest.newBuilder(URI.create(apiBase() + "/v1/messages"))
                .header("x-api-key", "sk-wrong")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + MODEL + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body())
        .startsWith("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\"");
  }

  @Test
  void responsesStreamWithTheOpenAiSdk() {
    llm.script(FakeLlm.Script.defaults().withChunks(3));
    StringBuilder text = new StringBuilder();
    List<String> completed = new java.util.ArrayList<>();
    try (StreamResponse<com.openai.models.responses.ResponseStreamEvent> stream =
        openai
            .responses()
            .createStreaming(
                com.openai.models.responses.ResponseCreateParams.builder()
                    .model(MODEL)
                    .input("Say hi")
                    .build())) {
      stream.stream()
          .forEach(
              event -> {
                event.outputTextDelta().ifPresent(d -> text.append(d.delta()));
                event.completed().ifPresent(c -> completed.add(c.response().id()));
              });
    }
    assertThat(text.toString()).isEqualTo("tok0 tok1 tok2 ");
    assertThat(completed).hasSize(1);
  }

  @Test
  void chats() {
    llm.script(FakeLlm.Script.defaults().withChunks(4));
    ChatCompletion completion = openai.chat().completions().create(params());
    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().get(0).message().content()).contains("tok0 tok1 tok2 tok3 ");
  }

  @Test
  void streamsEveryChunkInOrder() {
    llm.script(FakeLlm.Script.defaults().withChunks(25));
    StringBuilder text = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream =
        openai.chat().completions().createStreaming(params())) {
      stream.stream()
          .forEach(
              chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
    }
    String expected =
        Stream.iterate(0, i -> i + 1)
            .limit(25)
            .map(i -> "tok" + i + " ")
            .collect(Collectors.joining());
    assertThat(text.toString()).isEqualTo(expected);
  }

  /**
   * Many streams whose whole answer comes at once, a few at a time: each ends. Such an answer
   * usually reaches the broker while the server still dispatches the client's request, and the
   * stream's close then waits for the dispatch to end; on WildFly that close, run on the request
   * thread, waited forever for a flush that only the end of the dispatch completes (the benchmark
   * saw it: a stream that never ended, a request thread parked for good). A stream still open after
   * 20 s fails the test.
   */
  @Test
  void instantStreamsEachEnd() throws Exception {
    String instantModel = "instant-model";
    URI ws = URI.create("ws://127.0.0.1:" + server.apiPort() + "/ws");
    int streams = 1000;
    Map<String, Long> counts;
    try (InstantConnector instant = InstantConnector.attach(http, ws, token, instantModel)) {
      java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(8);
      List<CompletableFuture<String>> outcomes = new java.util.ArrayList<>();
      for (int i = 0; i < streams; i++) {
        slots.acquire();
        CompletableFuture<String> outcome =
            http.sendAsync(
                    chatRequest("instant-" + i, userKey, true, instantModel),
                    HttpResponse.BodyHandlers.ofString())
                .thenApply(
                    r ->
                        r.statusCode() == 200
                                && r.body().contains("\"content\":\"hi\"")
                                && r.body().endsWith("data: [DONE]\n\n")
                            ? "ended"
                            : "status " + r.statusCode() + ", ending " + tail(r.body()))
                .orTimeout(20, TimeUnit.SECONDS)
                .exceptionally(e -> "no end: " + e);
        outcome.whenComplete((r, e) -> slots.release());
        outcomes.add(outcome);
      }
      counts =
          outcomes.stream()
              .map(CompletableFuture::join)
              .collect(Collectors.groupingBy(r -> r, Collectors.counting()));
    }
    // The other tests expect the real connector's model alone.
    Wait.until(
        "the instant connector's model is gone",
        Duration.ofSeconds(30),
        () ->
            !openai.models().list().data().stream().map(Model::id).toList().contains(instantModel));
    assertThat(counts)
        .as(server.name() + ": how " + streams + " streams ended")
        .isEqualTo(Map.of("ended", (long) streams));
  }

  private static String tail(String body) {
    return body.length() > 40 ? body.substring(body.length() - 40) : body;
  }

  /**
   * Ollama's native API is a servlet of its own at /api: NDJSON streamed by default, each line
   * flushed as the LLM writes it, on every server.
   */
  @Test
  void ollamaChatStreamsNdjsonLineByLine() throws Exception {
    llm.script(FakeLlm.Script.defaults().withChunks(5));
    String body =
        "{\"model\":\""
            + MODEL
            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
            + "\"fake_llm\":{\"chunk_delay_ms\":300}}";
    HttpResponse<Stream<String>> response =
        http.send(
            HttpRequest.newBuilder(URI.create(apiBase() + "/api/chat"))
                .header("Authorization", "Bearer " + userKey)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/x-ndjson");
    long started = System.nanoTime();
    List<Long> arrivals = new java.util.ArrayList<>();
    List<String> lines;
    try (Stream<String> stream = response.body()) {
      lines = stream.peek(line -> arrivals.add((System.nanoTime() - started) / 1_000_000)).toList();
    }
    assertThat(lines).hasSize(6);
    assertThat(lines.get(0)).contains("\"content\":\"tok0 \"", "\"done\":false");
    assertThat(lines.get(5)).contains("\"done\":true", "\"eval_count\":5");
    // Flushed per line: the first came well before the last (5 lines 300 ms apart).
    assertThat(arrivals.get(5) - arrivals.get(0)).isGreaterThan(800);
  }

  @Test
  void wrongKeyIsUnauthorized() throws Exception {
    OpenAIClient intruder =
        OpenAIOkHttpClient.builder()
            .apiKey("sk-wrong-key")
            .baseUrl(apiBase() + "/v1")
            .maxRetries(0)
            .build();
    try {
      assertThatThrownBy(() -> intruder.models().list()).isInstanceOf(UnauthorizedException.class);
      assertThatThrownBy(() -> intruder.chat().completions().create(params()))
          .isInstanceOf(UnauthorizedException.class);
    } finally {
      intruder.close();
    }
    HttpResponse<String> raw =
        http.send(
            chatRequest("port-wrong-key", "sk-wrong-key", false),
            HttpResponse.BodyHandlers.ofString());
    assertThat(raw.statusCode()).isEqualTo(401);
    assertThat(raw.body()).contains("\"code\":\"invalid_api_key\"");
  }

  /**
   * Issue 10: the body's {@code stream} decides SSE or JSON, whatever {@code Accept} says (the
   * official Node and Python SDKs send {@code application/json} on streams too). Content
   * negotiation is each server's own JAX-RS code, so this is checked on every server.
   */
  @Test
  void theBodyDecidesSseOrJsonWhateverAcceptSays() throws Exception {
    llm.script(FakeLlm.Script.defaults().withChunks(2));
    List<String> accepts =
        Arrays.asList(
            "application/json",
            "text/event-stream",
            "*/*",
            null,
            "application/json, text/plain, */*",
            "text/html, application/xml;q=0.9");
    SoftAssertions soft = new SoftAssertions();
    for (boolean stream : new boolean[] {true, false}) {
      for (String accept : accepts) {
        HttpRequest.Builder request =
            HttpRequest.newBuilder(URI.create(apiBase() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + userKey)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\""
                            + MODEL
                            + "\",\"stream\":"
                            + stream
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
        if (accept != null) {
          request.header("Accept", accept);
        }
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        String what = "stream=" + stream + ", Accept: " + accept;
        soft.assertThat(r.statusCode()).as(what + "; body " + r.body()).isEqualTo(200);
        soft.assertThat(r.headers().firstValue("content-type").orElse(""))
            .as(what)
            .startsWith(stream ? "text/event-stream" : "application/json");
        if (stream) {
          soft.assertThat(r.body()).as(what).contains("tok1 ").endsWith("data: [DONE]\n\n");
        } else {
          soft.assertThat(r.body()).as(what).startsWith("{").contains("tok0 tok1 ");
        }
      }
    }
    soft.assertAll();
  }

  /** The server's own refusals go through the WAR's error page: OpenAI's shape, not HTML. */
  @Test
  void whatTheServerRefusesOnItsOwnIsJsonToo() throws Exception {
    HttpResponse<String> badType =
        http.send(
            HttpRequest.newBuilder(URI.create(apiBase() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + userKey)
                .header("Content-Type", "json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + MODEL + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(badType.statusCode()).as(badType.body()).isIn(400, 415);
    assertThat(badType.body()).startsWith("{\"error\":{");
    HttpResponse<String> elsewhere =
        http.send(
            HttpRequest.newBuilder(URI.create(apiBase() + "/v2/chat/completions")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(elsewhere.statusCode()).isEqualTo(404);
    assertThat(elsewhere.body()).contains("\"code\":\"not_found\"");
  }

  /** Refused at the upgrade, on every server: the socket never opens, so nothing can register. */
  @Test
  void wrongConnectorTokenIsRefusedAtTheUpgrade() throws Exception {
    // The JDK's own WebSocket client, a second client beside the connector's Tyrus.
    URI ws = URI.create("ws://127.0.0.1:" + server.apiPort() + "/ws");
    CompletableFuture<WebSocket> open =
        http.newWebSocketBuilder()
            .header("Authorization", "Bearer ct-port-wrong-token")
            .buildAsync(ws, new WebSocket.Listener() {});
    assertThatThrownBy(() -> open.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(WebSocketHandshakeException.class)
        .satisfies(
            e ->
                assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
                    .isEqualTo(401));
    List<String> ids = openai.models().list().data().stream().map(Model::id).toList();
    assertThat(ids).containsExactly(MODEL);
  }

  /** The connector config reached the WAR through this server's own configuration. */
  @Test
  void llmGetsTheKeyFromTheConnectorConfig() throws Exception {
    llm.script(FakeLlm.Script.defaults());
    String requestId = "port-key-" + UUID.randomUUID();
    HttpResponse<String> response =
        http.send(chatRequest(requestId, userKey, false), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    FakeLlm.RecordedRequest seen =
        llm.chatRequests().stream()
            .filter(r -> requestId.equals(r.header("x-request-id")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the LLM never saw request " + requestId));
    assertThat(seen.header("authorization")).isEqualTo("Bearer " + llmKey);
  }

  @Test
  void serverLogHasTheRequestIdInAJsonLine() throws Exception {
    llm.script(FakeLlm.Script.defaults().withChunks(3));
    String requestId = "port-log-" + UUID.randomUUID();
    HttpResponse<String> response =
        http.send(chatRequest(requestId, userKey, true), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-request-id")).contains(requestId);
    assertThat(response.body()).endsWith("data: [DONE]\n\n");

    JsonObject line =
        Wait.forValue(
            "a JSON line with " + requestId + " in the " + server.name() + " log",
            Duration.ofSeconds(15),
            () -> jsonLineMentioning(requestId).orElse(null));
    assertThat(line.toString()).contains(MODEL, "status=200");
    // The log is the operator's: no key or token in it, only fingerprints.
    assertThat(read(server.log())).doesNotContain(userKey, token, llmKey, adminKey);
  }

  /**
   * Issues 13 and 14 on this server's own JPA provider (the unit is made in code): the usage ledger
   * writes its rows, and the admin's actions (a key issued, then revoked) are stored and audited.
   */
  @Test
  void usageLedgerAndAdminActionsAreStoredInTheDatabase() throws Exception {
    String name = "ledger-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(3));
    String key = admin.createUser(name).getString("api_key");
    llm.script(FakeLlm.Script.defaults().withChunks(4));
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r =
          http.send(
              chatRequest("port-ledger-" + i, key, false), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    // The fake LLM reports 7 prompt and 4 completion tokens per call; the daily total the admin
    // API shows comes from the ledger's table, written off the request path.
    long ledgered =
        Wait.forValue(
            "the ledger's daily total for " + name + " on " + server.name(),
            Duration.ofSeconds(60),
            () ->
                admin
                    .user(name)
                    .map(u -> u.getJsonNumber("tokens_today").longValue())
                    .filter(t -> t >= 2 * (7 + 4))
                    .orElse(null));
    assertThat(ledgered).isEqualTo(2 * (7 + 4));
    JsonObject byDay = admin.read("usage_by_day").asJsonObject();
    assertThat(byDay.getBoolean("available")).as(byDay.toString()).isTrue();
    assertThat(byDay.getJsonObject("tokens_by_user")).containsKey(name);

    admin.revokeUser(name);
    HttpResponse<String> revoked =
        http.send(chatRequest("port-revoked", key, false), HttpResponse.BodyHandlers.ofString());
    assertThat(revoked.statusCode()).isEqualTo(401);
    assertThat(auditedActions(name)).contains("user.create", "user.revoke");
    assertThat(admin.read("audit").toString()).doesNotContain(key, adminKey);
  }

  /**
   * Issue 14: a user key and the body limit set with this server's own management tool (and the
   * application reload its README names) are honoured, and what the admin stored in the database
   * before the reload is still there after it. Last: the test's first key stops working.
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void settingsChangedWithTheServersManagementToolAreHonoured() throws Exception {
    String kept = "kept-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(3));
    String keptKey = admin.createUser(kept).getString("api_key");
    llm.script(FakeLlm.Script.defaults().withChunks(4));
    assertThat(status(chatRequest("port-kept", keptKey, false))).isEqualTo(200);
    int limit = 2048;
    assertThat(status(paddedChat(userKey, limit + 512))).as("over 2 KiB before").isEqualTo(200);

    String newKey = secret("sk-port-new-");
    long started = System.nanoTime();
    boolean restarts =
        server.changeSettings(
            Map.of(
                "remotellm.broker.user-api-keys",
                newKey,
                "remotellm.broker.max-body-bytes",
                String.valueOf(limit)));
    if (!restarts) {
      // Not live: the WAR read its settings when it started, until the reload below.
      Thread.sleep(3000);
      assertThat(status(modelsRequest(userKey))).as("the old key before the reload").isEqualTo(200);
      assertThat(status(modelsRequest(newKey))).as("the new key before the reload").isEqualTo(401);
      server.reloadApplication();
    }
    Wait.until(
        server.name() + " to serve the new key after the change",
        BOOT,
        () -> status(modelsRequest(newKey)) == 200);
    System.out.printf(
        "%s took the changed settings %d s after its management tool was started%n",
        server.name(), Duration.ofNanos(System.nanoTime() - started).toSeconds());
    assertThat(status(modelsRequest(userKey))).as("the replaced key").isEqualTo(401);
    // The connector reattaches to the reloaded WAR by itself.
    Wait.until(
        "the connector back on " + server.name(),
        Duration.ofSeconds(90),
        () -> status(chatRequest("port-back", newKey, false)) == 200);

    HttpResponse<String> under =
        http.send(paddedChat(newKey, limit - 48), HttpResponse.BodyHandlers.ofString());
    assertThat(under.statusCode()).as(under.body()).isEqualTo(200);
    HttpResponse<String> over =
        http.send(paddedChat(newKey, limit + 48), HttpResponse.BodyHandlers.ofString());
    assertThat(over.statusCode()).as(over.body()).isEqualTo(413);
    assertThat(over.body())
        .startsWith("{\"error\":{")
        .contains("\"code\":\"request_too_large\"", String.valueOf(limit));

    // Issued keys, the audit and the ledger were read back from the database by the new WAR.
    assertThat(status(chatRequest("port-kept-after", keptKey, false))).isEqualTo(200);
    assertThat(auditedActions(kept)).contains("user.create");
    assertThat(admin.user(kept).orElseThrow().getJsonNumber("tokens_7_days").longValue())
        .as("tokens of %s in the ledger", kept)
        .isGreaterThanOrEqualTo(7 + 4);
  }

  private List<String> auditedActions(String target) {
    return admin.read("audit").asJsonArray().stream()
        .map(JsonValue::asJsonObject)
        .filter(e -> e.getString("target").equals(target))
        .map(e -> e.getString("action"))
        .toList();
  }

  /** A chat call whose body is exactly {@code bytes} long, padded in the message. */
  private HttpRequest paddedChat(String key, int bytes) {
    String head = "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"";
    String tail = "\"}]}";
    String body = head + "x".repeat(bytes - head.length() - tail.length()) + tail;
    return HttpRequest.newBuilder(URI.create(apiBase() + "/v1/chat/completions"))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private HttpRequest modelsRequest(String key) {
    return HttpRequest.newBuilder(URI.create(apiBase() + "/v1/models"))
        .header("Authorization", "Bearer " + key)
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  /**
   * The status of a call over HTTP/1.1, or -1 when it failed (a server reloading the WAR may reset
   * the connection). Not {@link ProductRun#status}: its client asks for an h2c upgrade, and Liberty
   * answered a chat call sent that way with 400.
   */
  private int status(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The server's warnings and errors, for a failure message that says why without digging. */
  private String serverTrouble() {
    List<String> trouble =
        read(server.log())
            .lines()
            .filter(
                l ->
                    l.contains("WARN")
                        || l.contains("ERROR")
                        || l.contains("SEVERE")
                        || l.contains("Exception"))
            .map(l -> l.length() > 400 ? l.substring(0, 400) + "..." : l)
            .toList();
    return String.join("\n", trouble.subList(Math.max(0, trouble.size() - 10), trouble.size()));
  }

  private Optional<JsonObject> jsonLineMentioning(String text) {
    return read(server.log())
        .lines()
        .filter(l -> l.contains(text) && l.startsWith("{"))
        .map(PortabilityIT::parse)
        .flatMap(Optional::stream)
        .findFirst();
  }

  private static Optional<JsonObject> parse(String line) {
    try (JsonReader reader = Json.createReader(new StringReader(line))) {
      return Optional.of(reader.readObject());
    } catch (JsonException e) {
      return Optional.empty();
    }
  }

  private void awaitApi() {
    Wait.until(
        server.name() + " to serve /v1/models on port " + server.apiPort(),
        BOOT,
        () -> {
          if (!server.isAlive()) {
            throw new AssertionError(server.name() + " exited; see " + server.log());
          }
          return ProductRun.status(
                  HttpRequest.newBuilder(URI.create(apiBase() + "/v1/models"))
                      .header("Authorization", "Bearer " + userKey)
                      .build())
              == 200;
        });
  }

  private String apiBase() {
    return "http://127.0.0.1:" + server.apiPort();
  }

  private static ChatCompletionCreateParams params() {
    return ChatCompletionCreateParams.builder()
        .model(MODEL)
        .addUserMessage("Hello from anywhere")
        .build();
  }

  private HttpRequest chatRequest(String requestId, String key, boolean stream) {
    return chatRequest(requestId, key, stream, MODEL);
  }

  private HttpRequest chatRequest(String requestId, String key, boolean stream, String model) {
    String body =
        "{\"model\":\""
            + model
            + "\",\"stream\":"
            + stream
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    return HttpRequest.newBuilder(URI.create(apiBase() + "/v1/chat/completions"))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .header("x-request-id", requestId)
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String secret(String prefix) {
    byte[] bytes = new byte[12];
    new SecureRandom().nextBytes(bytes);
    return prefix + HexFormat.of().formatHex(bytes);
  }
}
