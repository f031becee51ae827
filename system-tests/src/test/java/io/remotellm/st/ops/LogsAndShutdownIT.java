package io.remotellm.st.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.st.support.Wait;
import io.remotellm.testsupport.FakeLlm;
import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A broker (bin/remotellm-broker, Payara Micro, JSON logs) and a connector process in front of the
 * fake LLM. First the broker's log is read for a request's id; then the broker gets SIGTERM in the
 * middle of a 5-second stream, and a second broker on the same ports takes the connector back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LogsAndShutdownIT {

  private static final String MODEL = "ops-model";
  private static final String USER_KEY = "sk-ops-" + UUID.randomUUID();
  private static final String TOKEN = "ct-ops-" + UUID.randomUUID();
  private static final Pattern TOKEN_CONTENT = Pattern.compile("\"content\":\"tok(\\d+) \"");
  // HTTP/1.1 as curl and the OpenAI SDKs speak it (see EndToEndIT).
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static FakeLlm llm;
  private static int port;
  private static int healthPort;
  private static int connectorHealth;
  private static Path connectorConfig;
  private static ProductProcess broker;
  private static ProductProcess secondBroker;
  private static ProductProcess connector;

  @BeforeAll
  static void start() throws Exception {
    llm = FakeLlm.start();
    port = FreePort.next();
    healthPort = FreePort.next();
    connectorHealth = FreePort.next();
    connectorConfig = ProductRun.writeConnectorConfig(Map.of(TOKEN, ""));
    broker = ProductRun.startBroker("ops-broker", port, healthPort, USER_KEY, connectorConfig);
    connector =
        ProductRun.startConnector(
            "ops-connector",
            llm.baseUrl().toString(),
            port,
            TOKEN,
            connectorHealth,
            List.of(MODEL),
            List.of("--llm-probe-interval", "1"));
    ProductRun.awaitReady(connector, connectorHealth, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    Stream.of(connector, broker, secondBroker)
        .filter(p -> p != null)
        .forEach(ProductProcess::close);
    if (llm != null) {
      llm.close();
    }
  }

  @Test
  @Order(1)
  void theBrokersLogHasTheRequestIdAsAJsonField() throws Exception {
    llm.script(FakeLlm.Script.defaults().withChunks(3));
    String requestId = "ops-log-" + UUID.randomUUID();
    HttpResponse<String> response =
        HTTP.send(chat(requestId, false), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-request-id")).contains(requestId);

    JsonObject line =
        Wait.forValue(
            "the broker's access line for " + requestId,
            Duration.ofSeconds(20),
            () ->
                jsonLines(broker)
                    .filter(j -> requestId.equals(j.getString("request_id", null)))
                    .findFirst()
                    .orElse(null));
    assertThat(line.getString("LoggerName")).isEqualTo("io.remotellm.broker.access");
    assertThat(line.getString("model")).isEqualTo(MODEL);
    assertThat(line.getString("status")).isEqualTo("200");
    assertThat(line.getString("connector_id")).isNotBlank();
    assertThat(Long.parseLong(line.getString("duration_ms"))).isNotNegative();
    // Servers whose JSON format ignores the fields still get them in the message text.
    assertThat(line.getString("LogMessage"))
        .contains("request " + requestId, "model=" + MODEL, "status=200");
  }

  @Test
  @Order(2)
  void sigtermLetsARunningStreamFinishThenClosesConnectorsWith1001() throws Exception {
    llm.script(FakeLlm.Script.defaults().withChunks(50).withChunkDelay(Duration.ofMillis(100)));
    String requestId = "ops-drain-" + UUID.randomUUID();
    List<String> lines = new ArrayList<>();
    CompletableFuture<Void> terminated = new CompletableFuture<>();
    List<CompletableFuture<HttpResponse<String>>> duringDrain = new ArrayList<>();
    HttpResponse<Stream<String>> response =
        HTTP.send(chat(requestId, true), HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    try (Stream<String> body = response.body()) {
      body.forEach(
          line -> {
            lines.add(line);
            long chunks = lines.stream().filter(l -> l.startsWith("data: {")).count();
            if (chunks == 5 && !terminated.isDone()) {
              // SIGTERM half a second into the stream; destroy() only sends it, the read goes on.
              terminated.complete(null);
              ProcessHandle.of(broker.pid()).ifPresent(ProcessHandle::destroy);
            } else if (chunks == 20 && duringDrain.isEmpty()) {
              // A new request while the stream drains (the server itself may answer it).
              duringDrain.add(
                  HTTP.sendAsync(
                      chat("ops-late-" + UUID.randomUUID(), false),
                      HttpResponse.BodyHandlers.ofString()));
            }
          });
    }
    assertThat(terminated).isDone();
    List<Integer> tokens = new ArrayList<>();
    for (String line : lines) {
      Matcher m = TOKEN_CONTENT.matcher(line);
      if (m.find()) {
        tokens.add(Integer.parseInt(m.group(1)));
      }
    }
    assertThat(tokens).containsExactlyElementsOf(IntStream.range(0, 50).boxed().toList());
    List<String> data = lines.stream().filter(l -> l.startsWith("data:")).toList();
    assertThat(data.stream().filter(l -> l.equals("data: [DONE]"))).hasSize(1);
    assertThat(data.get(data.size() - 1)).isEqualTo("data: [DONE]");
    assertThat(duringDrain).hasSize(1);
    assertThat(duringDrain.get(0).get(30, TimeUnit.SECONDS).statusCode())
        .as("a request that arrives while the broker drains")
        .isEqualTo(503);

    broker.terminate(Duration.ofSeconds(90));
    // What the broker logged while draining reached its log: the stream's access line too.
    assertThat(
            jsonLines(broker)
                .filter(
                    j ->
                        requestId.equals(j.getString("request_id", null))
                            && "io.remotellm.broker.access"
                                .equals(j.getString("LoggerName", null))))
        .singleElement()
        .satisfies(j -> assertThat(j.getString("status")).isEqualTo("200"));
    assertThat(jsonLines(broker).map(j -> j.getString("LogMessage", "")))
        .anyMatch(m -> m.startsWith("Relay drained: connectors closed (1001)"));
    Wait.until(
        "the connector to log the broker's 1001 close",
        Duration.ofSeconds(30),
        () -> connector.output().contains("socket closed: 1001 broker shutting down"));
    assertThat(connector.isAlive()).isTrue();

    // The connector keeps redialling and comes back once a broker is there again.
    secondBroker =
        ProductRun.startBroker("ops-broker-2", port, healthPort, USER_KEY, connectorConfig);
    ProductRun.awaitReady(connector, connectorHealth, Duration.ofSeconds(60));
    llm.script(FakeLlm.Script.defaults().withChunks(2));
    assertThat(
            HTTP.send(
                    chat("ops-after-" + UUID.randomUUID(), false),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
  }

  private static HttpRequest chat(String requestId, boolean stream) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
        .header("Authorization", "Bearer " + USER_KEY)
        .header("Content-Type", "application/json")
        .header("x-request-id", requestId)
        .timeout(Duration.ofSeconds(60))
        .POST(
            HttpRequest.BodyPublishers.ofString(
                "{\"model\":\""
                    + MODEL
                    + "\",\"stream\":"
                    + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"))
        .build();
  }

  /** The lines of a process's output that are JSON objects (the launcher's own lines are not). */
  static Stream<JsonObject> jsonLines(ProductProcess process) {
    return process
        .output()
        .lines()
        .filter(l -> l.startsWith("{"))
        .map(LogsAndShutdownIT::parse)
        .flatMap(Optional::stream);
  }

  private static Optional<JsonObject> parse(String line) {
    try (JsonReader reader = Json.createReader(new StringReader(line))) {
      return Optional.of(reader.readObject());
    } catch (JsonException | ClassCastException e) {
      return Optional.empty(); // a line that only starts like JSON (or was cut by the kill)
    }
  }
}
