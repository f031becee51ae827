package io.remotellm.st.e2e;

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
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.st.support.Wait;
import io.remotellm.testsupport.FakeLlm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One broker, two connectors serving the same model with different LLM keys, one fake LLM; the
 * client is the official OpenAI Java SDK or plain HTTP where the SDK hides what is checked. Tests
 * that take parts down run last, and the log scan for secrets runs after everything.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndIT {

  private static final String MODEL = "fake-model";
  // HTTP/1.1 as curl and the OpenAI SDKs speak it on http://; the JDK's default would try an h2c
  // upgrade, on which Payara does not report a client's reset stream (see broker-war/README.md).
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static final String USER_KEY = secret("sk-e2e-user-");
  private static final String TOKEN_A = secret("ct-e2e-a-");
  private static final String TOKEN_B = secret("ct-e2e-b-");
  private static final String LLM_KEY_A = secret("sk-llm-a-");
  private static final String LLM_KEY_B = secret("sk-llm-b-");
  private static final String WRONG_TOKEN = secret("ct-e2e-wrong-");

  private static FakeLlm llm;
  private static int llmPort;
  private static int brokerPort;
  private static int brokerHealthPort;
  private static int healthA;
  private static int healthB;
  private static Path connectorConfig;
  private static ProductProcess broker;
  private static ProductProcess connectorA;
  private static ProductProcess connectorB;
  private static OpenAIClient openai;

  @BeforeAll
  static void startProduct() throws IOException {
    llm = FakeLlm.start();
    llmPort = llm.port();
    brokerPort = FreePort.next();
    brokerHealthPort = FreePort.next();
    healthA = FreePort.next();
    healthB = FreePort.next();
    Map<String, String> tokens = new LinkedHashMap<>();
    tokens.put(TOKEN_A, LLM_KEY_A);
    tokens.put(TOKEN_B, LLM_KEY_B);
    connectorConfig = ProductRun.writeConnectorConfig(tokens);

    broker =
        ProductRun.startBroker(
            "e2e-broker", brokerPort, brokerHealthPort, USER_KEY, connectorConfig);
    List<String> fastProbe = List.of("--llm-probe-interval", "1");
    connectorA =
        ProductRun.startConnector(
            "e2e-connector-a",
            llm.baseUrl().toString(),
            brokerPort,
            TOKEN_A,
            healthA,
            List.of(MODEL),
            fastProbe);
    connectorB =
        ProductRun.startConnector(
            "e2e-connector-b",
            llm.baseUrl().toString(),
            brokerPort,
            TOKEN_B,
            healthB,
            List.of(MODEL),
            fastProbe);
    ProductRun.awaitReady(connectorA, healthA, Duration.ofSeconds(60));
    ProductRun.awaitReady(connectorB, healthB, Duration.ofSeconds(60));

    openai =
        OpenAIOkHttpClient.builder()
            .apiKey(USER_KEY)
            .baseUrl("http://127.0.0.1:" + brokerPort + "/v1")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(30))
            .build();
  }

  @AfterAll
  static void stopProduct() {
    Stream.of(connectorA, connectorB, broker).filter(p -> p != null).forEach(ProductProcess::close);
    if (llm != null) {
      llm.close();
    }
    if (openai != null) {
      openai.close();
    }
  }

  @Test
  @Order(1)
  void listsTheConnectorsModels() {
    List<String> ids = openai.models().list().data().stream().map(Model::id).toList();
    assertThat(ids).containsExactly(MODEL);
    assertThat(openai.models().retrieve(MODEL).id()).isEqualTo(MODEL);
    assertThatThrownBy(() -> openai.models().retrieve("no-such-model"))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  @Order(2)
  void chats() {
    llm.script(FakeLlm.Script.defaults().withChunks(4));
    ChatCompletion completion = openai.chat().completions().create(params().build());
    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().get(0).message().content()).contains("tok0 tok1 tok2 tok3 ");
    assertThat(completion.usage()).isPresent();
  }

  @Test
  @Order(3)
  void streamsEveryChunkInOrderWithUsage() {
    llm.script(FakeLlm.Script.defaults().withChunks(30));
    StringBuilder text = new StringBuilder();
    List<Long> totals = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream =
        openai
            .chat()
            .completions()
            .createStreaming(
                params()
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                    .build())) {
      stream.stream()
          .forEach(
              chunk -> {
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
                chunk.usage().ifPresent(u -> totals.add(u.totalTokens()));
              });
    }
    String expected =
        Stream.iterate(0, i -> i + 1)
            .limit(30)
            .map(i -> "tok" + i + " ")
            .collect(Collectors.joining());
    assertThat(text.toString()).isEqualTo(expected);
    assertThat(totals).hasSize(1);
    assertThat(totals.get(0)).isPositive();
  }

  @Test
  @Order(3)
  void embeddingsAndTextCompletionsGoThroughTooWithTheSdk() {
    llm.script(FakeLlm.Script.defaults().withChunks(3));
    var embedded =
        openai
            .embeddings()
            .create(EmbeddingCreateParams.builder().model(MODEL).input("hello").build());
    assertThat(embedded.data())
        .singleElement()
        .satisfies(e -> assertThat(e.embedding()).containsExactly(5.0f, 0.5f, -1.0f));

    CompletionCreateParams prompt =
        CompletionCreateParams.builder().model(MODEL).prompt("Say hi").build();
    assertThat(openai.completions().create(prompt).choices().get(0).text())
        .isEqualTo("tok0 tok1 tok2 ");
    StringBuilder streamed = new StringBuilder();
    try (StreamResponse<Completion> stream = openai.completions().createStreaming(prompt)) {
      stream.stream().forEach(chunk -> chunk.choices().forEach(c -> streamed.append(c.text())));
    }
    assertThat(streamed.toString()).isEqualTo("tok0 tok1 tok2 ");
    assertThat(llm.requests())
        .extracting(FakeLlm.RecordedRequest::path)
        .contains("/v1/embeddings", "/v1/completions");
  }

  @Test
  @Order(4)
  void unknownModelIsNotFound() throws Exception {
    assertThatThrownBy(
            () -> openai.chat().completions().create(params().model("no-such-model").build()))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("no-such-model");
    HttpResponse<String> raw =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + brokerPort + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + USER_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"no-such-model\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(raw.statusCode()).isEqualTo(404);
    assertThat(raw.body()).contains("\"code\":\"model_not_found\"");
  }

  @Test
  @Order(5)
  void wrongKeyIsUnauthorized() {
    OpenAIClient intruder =
        OpenAIOkHttpClient.builder()
            .apiKey("sk-wrong-key")
            .baseUrl("http://127.0.0.1:" + brokerPort + "/v1")
            .maxRetries(0)
            .build();
    try {
      assertThatThrownBy(() -> intruder.models().list()).isInstanceOf(UnauthorizedException.class);
      assertThatThrownBy(() -> intruder.chat().completions().create(params().build()))
          .isInstanceOf(UnauthorizedException.class);
    } finally {
      intruder.close();
    }
  }

  @Test
  @Order(6)
  void llmGetsTheInjectedKeyAndTheRequestIdButNeverTheUsersKey() throws Exception {
    llm.script(FakeLlm.Script.defaults());
    String requestId = "e2e-" + UUID.randomUUID();
    HttpResponse<String> response = chat(requestId, false);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-request-id")).contains(requestId);

    FakeLlm.RecordedRequest seen =
        llm.chatRequests().stream()
            .filter(r -> requestId.equals(r.header("x-request-id")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the LLM never saw request " + requestId));
    assertThat(seen.header("authorization")).isIn("Bearer " + LLM_KEY_A, "Bearer " + LLM_KEY_B);
    for (FakeLlm.RecordedRequest r : llm.requests()) {
      assertThat(r.headers().values()).noneMatch(v -> v.contains(USER_KEY));
    }
  }

  @Test
  @Order(7)
  void bothConnectorsGetTraffic() throws Exception {
    llm.script(FakeLlm.Script.defaults().withChunks(2));
    llm.reset();
    for (int i = 0; i < 20; i++) {
      assertThat(chat("e2e-spread-" + i, false).statusCode()).isEqualTo(200);
    }
    Map<String, Long> byKey =
        llm.chatRequests().stream()
            .collect(Collectors.groupingBy(r -> r.header("authorization"), Collectors.counting()));
    assertThat(byKey.keySet())
        .containsExactlyInAnyOrder("Bearer " + LLM_KEY_A, "Bearer " + LLM_KEY_B);
  }

  @Test
  @Order(8)
  void clientThatLeavesAfterTheFirstTokenStopsTheLlm() throws Exception {
    llm.script(FakeLlm.Script.defaults().withChunks(200).withChunkDelay(Duration.ofMillis(50)));
    llm.reset();
    HttpResponse<InputStream> response =
        HTTP.send(chatRequest("e2e-leaver", true), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      do {
        line = reader.readLine();
      } while (line != null && !line.startsWith("data: {"));
      assertThat(line).as("first token").isNotNull().contains("tok0");
    }
    // The stream is closed after one token of 200 (10 s of generation): the LLM must see its
    // client go away long before it would have finished.
    assertThat(llm.awaitAborted(1, Duration.ofSeconds(8))).as("LLM request aborted").isTrue();
    assertThat(llm.completedCount()).isZero();
  }

  @Test
  @Order(9)
  void connectorWithAWrongTokenIsRefusedKeepsTryingAndRegistersNothing() throws Exception {
    int health = FreePort.next();
    try (ProductProcess intruder =
        ProductRun.startConnector(
            "e2e-connector-wrong-token",
            llm.baseUrl().toString(),
            brokerPort,
            WRONG_TOKEN,
            health,
            List.of("intruder-model"),
            List.of())) {
      // It says why, with the broker's answer, and retries rather than exiting.
      Wait.until(
          "the connector to report the refused token twice",
          Duration.ofSeconds(30),
          () ->
              intruder
                      .output()
                      .split("refused the token of this connector \\(HTTP 401\\)", -1)
                      .length
                  > 2);
      assertThat(intruder.isAlive()).isTrue();
      // Not ready, and stays so (polled: the health port may open a moment after the first tries).
      Wait.until(
          "the refused connector's /ready to answer 503",
          Duration.ofSeconds(15),
          () ->
              ProductRun.status(
                      HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health + "/ready"))
                          .build())
                  == 503);
      assertThat(openai.models().list().data().stream().map(Model::id)).containsExactly(MODEL);
    }
    // The two good connectors were never disturbed.
    assertThat(chat("e2e-after-intruder", false).statusCode()).isEqualTo(200);
  }

  @Test
  @Order(20)
  void llmDownGives502AndNotReadyThenRecovers() throws Exception {
    llm.close();
    long started = System.nanoTime();
    HttpResponse<String> down = chat("e2e-llm-down", false);
    assertThat(down.statusCode()).isEqualTo(502);
    assertThat(down.body()).contains("upstream_error");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    Wait.until(
        "connector A to report not ready",
        Duration.ofSeconds(15),
        () -> ProductRun.get("http://127.0.0.1:" + healthA + "/ready").statusCode() == 503);
    assertThat(ProductRun.get("http://127.0.0.1:" + healthA + "/ready").body())
        .contains("\"llm_available\":false");

    llm = FakeLlm.start("127.0.0.1", llmPort);
    ProductRun.awaitReady(connectorA, healthA, Duration.ofSeconds(15));
    ProductRun.awaitReady(connectorB, healthB, Duration.ofSeconds(15));
    assertThat(chat("e2e-llm-back", false).statusCode()).isEqualTo(200);
  }

  @Test
  @Order(30)
  void connectorsReturnWithinTenSecondsOfABrokerRestart() throws Exception {
    assertThat(broker.terminate(Duration.ofSeconds(60))).isIn(0, 143);
    broker =
        ProductRun.startBroker(
            "e2e-broker-restarted", brokerPort, brokerHealthPort, USER_KEY, connectorConfig);
    // Both connectors are registered again within 10 s of the broker serving, and serve.
    Wait.until(
        "both connectors registered with the restarted broker",
        Duration.ofSeconds(10),
        () ->
            ProductRun.get("http://127.0.0.1:" + brokerHealthPort + "/health")
                .body()
                .replaceAll("\\s", "")
                // Payara writes health data values as strings ("2"); other servers as numbers.
                .matches(".*\"connectors_connected\":\"?2\"?[,}].*"));
    assertThat(chat("e2e-after-restart", false).statusCode()).isEqualTo(200);
  }

  @Test
  @Order(100)
  void noKeyOrTokenInAnyLog() throws IOException {
    Set<String> secrets = Set.of(USER_KEY, TOKEN_A, TOKEN_B, LLM_KEY_A, LLM_KEY_B, WRONG_TOKEN);
    List<Path> logs;
    try (Stream<Path> files = Files.list(ProductProcess.logDir())) {
      logs = files.filter(f -> f.toString().endsWith(".log")).toList();
    }
    assertThat(logs).as("process logs").hasSizeGreaterThanOrEqualTo(3);
    for (Path log : logs) {
      String text = Files.readString(log);
      for (String secret : secrets) {
        assertThat(text).as("%s mentions a secret", log.getFileName()).doesNotContain(secret);
      }
    }
    // The logs hold what the run did: the scan would pass trivially on nothing.
    String all = logs.stream().map(EndToEndIT::read).collect(Collectors.joining());
    assertThat(all).contains("e2e-llm-back", "e2e-spread-19", "fake-model", "refused the token");
  }

  private static ChatCompletionCreateParams.Builder params() {
    return ChatCompletionCreateParams.builder().model(MODEL).addUserMessage("Hello, relay!");
  }

  private static HttpRequest chatRequest(String requestId, boolean stream) {
    String body =
        "{\"model\":\""
            + MODEL
            + "\",\"stream\":"
            + stream
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + brokerPort + "/v1/chat/completions"))
        .header("Authorization", "Bearer " + USER_KEY)
        .header("Content-Type", "application/json")
        .header("x-request-id", requestId)
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static HttpResponse<String> chat(String requestId, boolean stream) throws Exception {
    return HTTP.send(chatRequest(requestId, stream), HttpResponse.BodyHandlers.ofString());
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String secret(String prefix) {
    byte[] bytes = new byte[12];
    new SecureRandom().nextBytes(bytes);
    return prefix + HexFormat.of().formatHex(bytes);
  }
}
