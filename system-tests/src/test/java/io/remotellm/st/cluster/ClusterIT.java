package io.remotellm.st.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.st.support.Wait;
import io.remotellm.testsupport.FakeLlm;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three brokers started by their launcher, clustered on loopback with free ports; connector 0 on
 * broker 0 serves model-0, connector 1 on broker 1 serves model-1, broker 2 has none. Every model
 * answers on every broker, streamed and not, through OpenAI's and Anthropic's APIs; then broker 1
 * is killed with SIGKILL: the others drop it from routing within about a second and keep serving.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String USER_KEY = "sk-cluster-user-" + UUID.randomUUID();
  private static final List<String> MODELS = List.of("model-0", "model-1");

  private static FakeLlm llm;
  private static final List<ProductProcess> brokers = new ArrayList<>();
  private static final List<ProductProcess> connectors = new ArrayList<>();
  private static int[] ports;
  private static int[] healthPorts;

  @BeforeAll
  static void startCluster() throws IOException {
    llm = FakeLlm.start();
    List<String> tokens =
        List.of("ct-cluster-0-" + UUID.randomUUID(), "ct-cluster-1-" + UUID.randomUUID());
    Path connectorConfig =
        ProductRun.writeConnectorConfig(Map.of(tokens.get(0), "", tokens.get(1), ""));
    ClusterLayout layout = ClusterLayout.of(3, "st-");
    ports = layout.ports;
    healthPorts = layout.healthPorts;
    for (int i = 0; i < 3; i++) {
      List<String> args = layout.brokerArgs(i, connectorConfig);
      brokers.add(
          ProductProcess.start(
              "cluster-broker-" + i,
              "remotellm-broker",
              args,
              Map.of(
                  "REMOTELLM_BROKER_USER_API_KEYS",
                  USER_KEY,
                  // Three servers boot at once on a machine the build shares: the quick JIT and
                  // one GC thread halve their boot's CPU; what is tested does not depend on them.
                  "JAVA_OPTS",
                  "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")));
    }
    for (int i = 0; i < 3; i++) {
      awaitBroker(i);
    }
    for (int i = 0; i < 2; i++) {
      int health = FreePort.next();
      ProductProcess connector =
          ProductRun.startConnector(
              "cluster-connector-" + i,
              llm.baseUrl().toString(),
              ports[i],
              tokens.get(i),
              health,
              List.of(MODELS.get(i)),
              List.of("--llm-api", "openai,anthropic"));
      connectors.add(connector);
      ProductRun.awaitReady(connector, health, Duration.ofSeconds(90));
    }
  }

  /**
   * Three servers booting at once on a shared machine take longer than one: on a loaded two-core
   * machine (load average 30) over five minutes, the grid's join included.
   */
  private static void awaitBroker(int i) {
    ProductProcess broker = brokers.get(i);
    // A broker that exits ends the wait at once (an exception inside the wait would only count
    // as "not yet").
    Wait.until(
        "cluster broker " + i + " to serve /v1/models",
        Duration.ofSeconds(720),
        () -> !broker.isAlive() || get(ports[i], "/v1/models").statusCode() == 200);
    assertThat(broker.isAlive()).as(broker.name() + " exited; see " + broker.log()).isTrue();
  }

  @AfterAll
  static void stopCluster() {
    Stream.concat(connectors.stream(), brokers.stream()).forEach(ProductProcess::close);
    if (llm != null) {
      llm.close();
    }
  }

  @Test
  @Order(1)
  void everyBrokerListsEveryModelAndItsHealthShowsTheCluster() {
    for (int i = 0; i < 3; i++) {
      int port = ports[i];
      Wait.until(
          "broker " + i + " to list both models",
          Duration.ofSeconds(30),
          () -> {
            String body = get(port, "/v1/models").body();
            return body.contains("\"model-0\"") && body.contains("\"model-1\"");
          });
      String health = ProductRun.get("http://127.0.0.1:" + healthPorts[i] + "/health").body();
      assertThat(health)
          .containsPattern("\"cluster_members\":\"?3")
          .contains("model-0")
          .contains("model-1");
    }
  }

  @Test
  @Order(2)
  void everyModelAnswersOnEveryBrokerStreamedOrNotThroughOpenAiAndAnthropic() {
    for (int i = 0; i < 3; i++) {
      for (String model : MODELS) {
        String where = "broker " + i + ", " + model;
        HttpResponse<String> chat = post(ports[i], "/v1/chat/completions", openAi(model, false));
        assertThat(chat.statusCode()).as(where).isEqualTo(200);
        assertThat(chat.body()).as(where).contains("\"choices\"");

        HttpResponse<String> stream = post(ports[i], "/v1/chat/completions", openAi(model, true));
        assertThat(stream.statusCode()).as(where).isEqualTo(200);
        assertThat(stream.headers().firstValue("content-type"))
            .get()
            .asString()
            .startsWith("text/event-stream");
        assertThat(stream.body()).as(where).contains("data: [DONE]");

        HttpResponse<String> message = post(ports[i], "/v1/messages", anthropic(model, false));
        assertThat(message.statusCode()).as(where).isEqualTo(200);
        assertThat(message.body()).as(where).contains("\"type\":\"message\"");

        HttpResponse<String> events = post(ports[i], "/v1/messages", anthropic(model, true));
        assertThat(events.statusCode()).as(where).isEqualTo(200);
        assertThat(events.body())
            .as(where)
            .contains("event: content_block_delta")
            .contains("event: message_stop");
      }
    }
  }

  @Test
  @Order(3)
  void aForgedForwardIsRefused() {
    HttpResponse<String> forged =
        send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[0] + "/cluster/relay"))
                .header("x-remotellm-cluster-time", String.valueOf(System.currentTimeMillis()))
                .header("x-remotellm-cluster-request", "forged")
                .header("x-remotellm-cluster-signature", "00".repeat(32))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build());
    assertThat(forged.statusCode()).isEqualTo(401);
  }

  @Test
  @Order(4)
  void aKilledBrokerLeavesRoutingWithinASecondAndTheOthersKeepServing() {
    brokers.get(1).kill();
    long killed = System.nanoTime();
    for (int i : new int[] {0, 2}) {
      int port = ports[i];
      Wait.until(
          "broker " + i + " to drop model-1",
          Duration.ofSeconds(30),
          () -> !get(port, "/v1/models").body().contains("\"model-1\""));
    }
    long millis = Duration.ofNanos(System.nanoTime() - killed).toMillis();
    System.out.println(
        "ClusterIT: model-1 dropped by both surviving brokers " + millis + " ms after kill -9");
    assertThat(millis).as("dropped from routing after kill -9 (ms)").isLessThan(2000);
    for (int i : new int[] {0, 2}) {
      assertThat(post(ports[i], "/v1/chat/completions", openAi("model-0", false)).statusCode())
          .isEqualTo(200);
      assertThat(post(ports[i], "/v1/messages", anthropic("model-0", true)).body())
          .contains("event: message_stop");
      HttpResponse<String> gone = post(ports[i], "/v1/chat/completions", openAi("model-1", false));
      assertThat(gone.statusCode()).isEqualTo(404);
      assertThat(gone.body()).contains("model_not_found");
    }
  }

  private static String openAi(String model, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":"
        + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  private static String anthropic(String model, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"max_tokens\":16,\"stream\":"
        + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  private static HttpResponse<String> get(int port, String path) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + USER_KEY)
            .timeout(Duration.ofSeconds(10))
            .build());
  }

  private static HttpResponse<String> post(int port, String path, String body) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + USER_KEY)
            .header("content-type", "application/json")
            .header("anthropic-version", "2023-06-01")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private static HttpResponse<String> send(HttpRequest request) {
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
