package io.remotellm.st.cluster;

import static io.remotellm.st.cluster.ClusterCalls.anthropic;
import static io.remotellm.st.cluster.ClusterCalls.openAi;
import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.st.support.Wait;
import io.remotellm.testsupport.FakeLlm;
import java.io.IOException;
import java.net.URI;
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
      brokers.add(
          layout.startBroker(
              i,
              "cluster-broker-" + i,
              connectorConfig,
              Map.of("REMOTELLM_BROKER_USER_API_KEYS", USER_KEY)));
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

  private static void awaitBroker(int i) {
    ClusterCalls.awaitBroker(brokers.get(i), ports[i], USER_KEY);
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
        ClusterCalls.send(
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

  private static HttpResponse<String> get(int port, String path) {
    return ClusterCalls.get(port, path, USER_KEY);
  }

  private static HttpResponse<String> post(int port, String path, String body) {
    return ClusterCalls.post(port, path, USER_KEY, body);
  }
}
