package io.remotellm.st.cluster;

import static io.remotellm.st.cluster.ClusterCalls.anthropic;
import static io.remotellm.st.cluster.ClusterCalls.ollamaChat;
import static io.remotellm.st.cluster.ClusterCalls.openAi;
import static io.remotellm.st.cluster.ClusterCalls.responses;
import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.st.cluster.ClusterLoad.Outcome;
import io.remotellm.st.cluster.ClusterLoad.Verdict;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three brokers started by their launcher, clustered on loopback with free ports, four connectors
 * spread over them: model-0 on broker 0, model-2 on broker 2, and on broker 1 model-1 (its
 * connector is given all three brokers, broker 1 first) and model-1b (given broker 1 only). Every
 * model answers on every broker, streamed and not, through OpenAI's chat, Anthropic's messages,
 * OpenAI's Responses and Ollama's chat; a forged forward is refused; then broker 1 is killed with
 * SIGKILL under load through all three brokers (only requests that needed it fail, cleanly; model-1
 * comes back through another broker), and started again with the same flags (it rejoins, and every
 * broker routes to every connector). One cluster for all, booted once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

  private static final String KEY = "sk-cluster-user-" + UUID.randomUUID();
  private static final List<String> MODELS = List.of("model-0", "model-1", "model-1b", "model-2");

  /** Which broker each model's connector attaches to first. */
  private static final int[] HOME = {0, 1, 1, 2};

  private static final String APIS = "openai,anthropic,responses,ollama";
  private static final int KILLED = 1;

  private static FakeLlm llm;
  private static ClusterLayout layout;
  private static Path connectorConfig;
  private static final ProductProcess[] brokers = new ProductProcess[3];
  private static final List<ProductProcess> connectors = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws IOException {
    llm = FakeLlm.start();
    Map<String, String> tokens = new LinkedHashMap<>();
    for (String model : MODELS) {
      tokens.put(model, "ct-cluster-" + model + "-" + UUID.randomUUID());
    }
    connectorConfig =
        ProductRun.writeConnectorConfig(
            tokens.values().stream().collect(Collectors.toMap(t -> t, t -> "")));
    layout = ClusterLayout.of(3, "st-");
    for (int i = 0; i < 3; i++) {
      brokers[i] = startBroker(i);
    }
    for (int i = 0; i < 3; i++) {
      ClusterCalls.awaitBroker(brokers[i], layout.ports[i], KEY);
    }
    for (int m = 0; m < MODELS.size(); m++) {
      String model = MODELS.get(m);
      List<String> extra = new ArrayList<>(List.of("--llm-api", APIS));
      if (model.equals("model-1")) {
        // Round robin from broker 1: broker 2 next, then broker 0.
        extra.addAll(List.of("--broker-url", "ws://127.0.0.1:" + layout.ports[2]));
        extra.addAll(List.of("--broker-url", "ws://127.0.0.1:" + layout.ports[0]));
      }
      if (model.equals("model-1b")) {
        // Only broker 1: it waits for that broker's return, at most 2 s between dials.
        extra.addAll(List.of("--reconnect-max", "2"));
      }
      int health = FreePort.next();
      ProductProcess connector =
          ProductRun.startConnector(
              "cluster-connector-" + model,
              llm.baseUrl().toString(),
              layout.ports[HOME[m]],
              tokens.get(model),
              health,
              List.of(model),
              extra);
      connectors.add(connector);
      ProductRun.awaitReady(connector, health, Duration.ofSeconds(90));
    }
  }

  private static ProductProcess startBroker(int i) {
    return layout.startBroker(
        i, "cluster-broker-" + i, connectorConfig, Map.of("REMOTELLM_BROKER_USER_API_KEYS", KEY));
  }

  @AfterAll
  static void stopCluster() {
    Stream.concat(connectors.stream(), Stream.of(brokers))
        .filter(p -> p != null)
        .forEach(ProductProcess::close);
    if (llm != null) {
      llm.close();
    }
  }

  @Test
  @Order(1)
  void everyBrokerListsEveryModelAndItsHealthShowsTheCluster() {
    awaitEveryBrokerLists(MODELS, 0, 1, 2);
    for (int i = 0; i < 3; i++) {
      String health =
          ProductRun.get("http://127.0.0.1:" + layout.healthPorts[i] + "/health").body();
      assertThat(health).as("broker " + i).containsPattern("\"cluster_members\":\"?3");
      for (String model : MODELS) {
        assertThat(health).as("broker " + i).contains(model);
      }
    }
  }

  @Test
  @Order(2)
  void everyModelAnswersOnEveryBrokerStreamedOrNotThroughOpenAiAndAnthropic() {
    for (int i = 0; i < 3; i++) {
      for (String model : MODELS) {
        String where = "broker " + i + ", " + model;
        HttpResponse<String> chat =
            post(layout.ports[i], "/v1/chat/completions", openAi(model, false));
        assertThat(chat.statusCode()).as(where).isEqualTo(200);
        assertThat(chat.body()).as(where).contains("\"choices\"");

        HttpResponse<String> stream =
            post(layout.ports[i], "/v1/chat/completions", openAi(model, true));
        assertThat(stream.statusCode()).as(where).isEqualTo(200);
        assertThat(stream.headers().firstValue("content-type"))
            .get()
            .asString()
            .startsWith("text/event-stream");
        assertThat(stream.body()).as(where).contains("data: [DONE]");

        HttpResponse<String> message =
            post(layout.ports[i], "/v1/messages", anthropic(model, false));
        assertThat(message.statusCode()).as(where).isEqualTo(200);
        assertThat(message.body()).as(where).contains("\"type\":\"message\"");

        HttpResponse<String> events = post(layout.ports[i], "/v1/messages", anthropic(model, true));
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
  void responsesAndOllamaChatAnswerForEveryModelOnEveryBrokerStreamedOrNot() {
    for (int i = 0; i < 3; i++) {
      int port = layout.ports[i];
      for (String model : MODELS) {
        String where = "broker " + i + ", " + model;
        HttpResponse<String> response = post(port, "/v1/responses", responses(model, false));
        assertThat(response.statusCode()).as(where).isEqualTo(200);
        assertThat(response.body()).as(where).contains("\"object\":\"response\"");

        HttpResponse<String> events = post(port, "/v1/responses", responses(model, true));
        assertThat(events.statusCode()).as(where).isEqualTo(200);
        assertThat(events.body())
            .as(where)
            .contains("event: response.output_text.delta")
            .contains("event: response.completed");

        HttpResponse<String> chat = post(port, "/api/chat", ollamaChat(model, false));
        assertThat(chat.statusCode()).as(where).isEqualTo(200);
        assertThat(chat.body()).as(where).contains("\"done\":true").contains("\"message\"");

        HttpResponse<String> lines = post(port, "/api/chat", ollamaChat(model, true));
        assertThat(lines.statusCode()).as(where).isEqualTo(200);
        assertThat(lines.headers().firstValue("content-type")).hasValue("application/x-ndjson");
        List<String> ndjson = lines.body().lines().toList();
        assertThat(ndjson).as(where).hasSizeGreaterThan(1);
        assertThat(ndjson.get(0)).as(where).contains("\"done\":false");
        assertThat(ndjson.get(ndjson.size() - 1)).as(where).contains("\"done\":true");
      }
    }
  }

  @Test
  @Order(4)
  void aStoredResponseIsReadCancelledAndDeletedThroughAnyBroker() {
    // model-0's connector is on broker 0: created there, and created through broker 1, which
    // forwards the creation to broker 2 for model-2 (the client's broker does not hold it).
    String local = createdId(0, "model-0");
    String forwarded = createdId(1, "model-2");
    for (int i = 0; i < 3; i++) {
      for (String id : List.of(local, forwarded)) {
        String where = "broker " + i + ", " + id;
        HttpResponse<String> read = call(layout.ports[i], "GET", "/v1/responses/" + id);
        assertThat(read.statusCode()).as(where + ": " + read.body()).isEqualTo(200);
        assertThat(ClusterClient.json(read.body()).getString("id")).as(where).isEqualTo(id);
      }
    }
    HttpResponse<String> cancelled =
        call(layout.ports[2], "POST", "/v1/responses/" + local + "/cancel");
    assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
    assertThat(cancelled.body()).contains("\"cancelled\"");
    HttpResponse<String> deleted = call(layout.ports[0], "DELETE", "/v1/responses/" + forwarded);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(deleted.body()).contains("\"deleted\":true");
    // Deleted at the LLM: the broker that holds it still routes the id, the LLM says 404.
    assertThat(call(layout.ports[1], "GET", "/v1/responses/" + forwarded).statusCode())
        .isEqualTo(404);
    String unknown = "resp_" + UUID.randomUUID().toString().replace("-", "");
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> none = call(layout.ports[i], "GET", "/v1/responses/" + unknown);
      assertThat(none.statusCode()).as("broker " + i).isEqualTo(404);
      assertThat(none.body())
          .as("broker " + i)
          .contains("No response with id '" + unknown + "' found");
    }
  }

  private static String createdId(int broker, String model) {
    HttpResponse<String> created =
        post(layout.ports[broker], "/v1/responses", responses(model, false));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    return ClusterClient.json(created.body()).getString("id");
  }

  private static HttpResponse<String> call(int port, String method, String path) {
    return ClusterCalls.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + KEY)
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build());
  }

  @Test
  @Order(5)
  void aForgedForwardIsRefused() {
    HttpResponse<String> forged =
        ClusterCalls.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + layout.ports[0] + "/cluster/relay"))
                .header("x-remotellm-cluster-time", String.valueOf(System.currentTimeMillis()))
                .header("x-remotellm-cluster-request", "forged")
                .header("x-remotellm-cluster-signature", "00".repeat(32))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build());
    assertThat(forged.statusCode()).isEqualTo(401);
  }

  @Test
  @Order(6)
  void aForwardTakesThePeerLinkAndIsLoggedOnBothBrokers() {
    // Broker 2 has no connector for model-0 (broker 0 has): the first forward may still take HTTP
    // while the link is dialled, the ones after take the link.
    String requestId =
        Wait.forValue(
            "a forward from broker 2 to broker 0 over the peer link",
            Duration.ofSeconds(60),
            () -> {
              String id = "st-link-" + UUID.randomUUID();
              HttpResponse<String> chat =
                  ClusterCalls.send(
                      HttpRequest.newBuilder(
                              ClusterCalls.request(
                                  layout.ports[2],
                                  "/v1/chat/completions",
                                  KEY,
                                  openAi("model-0", false),
                                  Duration.ofSeconds(30)),
                              (name, value) -> true)
                          .header("x-request-id", id)
                          .build());
              assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
              String line =
                  Wait.forValue(
                      "broker 2's access line for " + id,
                      Duration.ofSeconds(20),
                      () -> PeerLinkTraffic.accessLine(brokers[2], id).orElse(null));
              return line.contains("\"cluster_via\":\"link\"") ? id : null;
            });
    String served =
        Wait.forValue(
            "broker 0's access line for " + requestId,
            Duration.ofSeconds(20),
            () -> PeerLinkTraffic.accessLine(brokers[0], requestId).orElse(null));
    assertThat(served).contains("\"status\":\"200\"");
  }

  @Test
  @Order(7)
  void aClientGoneMidStreamOnTheForwardingBrokerCancelsTheCallAcrossThePeerLink()
      throws IOException {
    int aborted = llm.abortedCount();
    String requestId = "st-link-cancel-" + UUID.randomUUID();
    String body =
        "{\"model\":\"model-0\",\"stream\":true,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Hi\"}],\"fake_llm\":{\"chunks\":3000,\"chunk_delay_ms\":20}}";
    PeerLinkTraffic.hangUpMidStream(layout.ports[2], KEY, requestId, body);
    // The connector on broker 0 was told and hung up on the LLM, a minute before it would end.
    Wait.until(
        "the LLM call to be aborted", Duration.ofSeconds(30), () -> llm.abortedCount() > aborted);
    String line =
        Wait.forValue(
            "broker 2's access line for " + requestId,
            Duration.ofSeconds(20),
            () -> PeerLinkTraffic.accessLine(brokers[2], requestId).orElse(null));
    assertThat(line).contains("\"cluster_via\":\"link\"", "\"status\":\"499\"");
  }

  @Test
  @Order(8)
  void aBrokerKilledUnderLoadFailsOnlyItsOwnRequestsAndItsConnectorComesBackElsewhere()
      throws Exception {
    List<Outcome> outcomes;
    long killed;
    long dropped;
    long routable;
    try (ClusterLoad load = new ClusterLoad(layout.ports, KEY, MODELS, 2)) {
      Wait.until("the load to get going", Duration.ofSeconds(120), () -> load.finished() >= 24);
      brokers[KILLED].kill();
      killed = System.nanoTime();
      // model-1b's connector knows only the killed broker: its model stays gone, so its leaving
      // the routes is the dead broker's leaving.
      dropped = awaitEveryBrokerDrops("model-1b", 0, 2);
      for (int i : new int[] {0, 2}) {
        int port = layout.ports[i];
        Wait.until(
            "broker " + i + " to route model-1 again",
            Duration.ofSeconds(60),
            () -> post(port, "/v1/chat/completions", openAi("model-1", false)).statusCode() == 200);
      }
      routable = System.nanoTime();
      // Requests go on a while after the connector came back, through the new route.
      long until = routable + Duration.ofSeconds(4).toNanos();
      Wait.until("the load to run on", Duration.ofSeconds(30), () -> System.nanoTime() > until);
      outcomes = load.stop();
    }
    long dropMs = (dropped - killed) / 1_000_000;
    long routableMs = (routable - killed) / 1_000_000;
    System.out.printf(
        "ClusterIT: after kill -9 of broker %d: its routes dropped by both others in %d ms;"
            + " model-1's connector routable again from both in %d ms%n",
        KILLED, dropMs, routableMs);
    ClusterLoad.print("ClusterIT", outcomes, killed, ClusterIT::elsewhere);

    List<Outcome> elsewhere = outcomes.stream().filter(ClusterIT::elsewhere).toList();
    assertThat(elsewhere).as("requests that never touched the killed broker").isNotEmpty();
    assertThat(elsewhere.stream().filter(o -> o.v() != Verdict.OK).toList())
        .as("requests that never touched the killed broker and failed")
        .isEmpty();
    assertThat(elsewhere.stream().filter(o -> o.inFlightAt(killed)).count())
        .as("requests elsewhere in flight at the kill")
        .isPositive();

    List<Outcome> itsConnectors =
        outcomes.stream().filter(o -> o.broker() != KILLED && !elsewhere(o)).toList();
    assertThat(
            itsConnectors.stream()
                .filter(o -> o.v() != Verdict.OK && o.v() != Verdict.CLEAN_ERROR)
                .toList())
        .as("requests for the killed broker's connectors that did not end cleanly")
        .isEmpty();
    List<Outcome> cutOff = itsConnectors.stream().filter(o -> o.inFlightAt(killed)).toList();
    assertThat(cutOff).as("requests in flight on the killed broker's connectors").isNotEmpty();
    // A request in flight can only end well if its answer had left before the kill.
    assertThat(cutOff)
        .as("in flight on the killed broker's connectors and ended with the API's error")
        .anyMatch(o -> o.v() == Verdict.CLEAN_ERROR);

    // The target is 1 s; measured from here it includes the polls (100 ms apart, each a request
    // on a machine at load average 30), hence the margin. The printed figure is the one.
    assertThat(dropMs).as("dead broker out of routing (ms)").isLessThanOrEqualTo(2000);
    assertThat(routableMs).as("its connector routable again (ms)").isLessThanOrEqualTo(10_000);
  }

  @Test
  @Order(9)
  void theKilledBrokerStartedAgainRejoinsAndEveryBrokerRoutesToEveryConnector() {
    long started = System.nanoTime();
    brokers[KILLED] = startBroker(KILLED);
    ClusterCalls.awaitBroker(brokers[KILLED], layout.ports[KILLED], KEY);
    // model-1b's connector redials broker 1 by itself; model-1's stays where it went.
    awaitEveryBrokerLists(MODELS, 0, 1, 2);
    System.out.printf(
        "ClusterIT: broker %d restarted, serving every model after %d ms%n",
        KILLED, (System.nanoTime() - started) / 1_000_000);
    for (int i = 0; i < 3; i++) {
      int port = layout.ports[i];
      String health =
          ProductRun.get("http://127.0.0.1:" + layout.healthPorts[i] + "/health").body();
      assertThat(health).as("broker " + i).containsPattern("\"cluster_members\":\"?3");
      for (String model : MODELS) {
        String where = "broker " + i + ", " + model;
        HttpResponse<String> chat = post(port, "/v1/chat/completions", openAi(model, false));
        assertThat(chat.statusCode()).as(where + ": " + chat.body()).isEqualTo(200);
        HttpResponse<String> stream = post(port, "/v1/chat/completions", openAi(model, true));
        assertThat(stream.body()).as(where).contains("data: [DONE]").doesNotContain("\"error\"");
      }
    }
  }

  private static void awaitEveryBrokerLists(List<String> models, int... which) {
    for (int i : which) {
      int port = layout.ports[i];
      Wait.until(
          "broker " + i + " to list " + models,
          Duration.ofSeconds(90),
          () -> {
            String body = ClusterCalls.get(port, "/v1/models", KEY).body();
            return models.stream().allMatch(m -> body.contains("\"" + m + "\""));
          });
    }
  }

  /**
   * Waits, on each broker at once, until it no longer lists {@code model}; returns when the last
   * one dropped it (its {@link System#nanoTime()}).
   */
  private static long awaitEveryBrokerDrops(String model, int... which) {
    // Own threads: the common pool runs one task at a time on two cores.
    ExecutorService pollers = Executors.newFixedThreadPool(which.length);
    List<CompletableFuture<Long>> drops = new ArrayList<>();
    for (int i : which) {
      int port = layout.ports[i];
      drops.add(
          CompletableFuture.supplyAsync(
              () -> {
                Wait.until(
                    "broker " + i + " to drop " + model,
                    Duration.ofSeconds(30),
                    () ->
                        !ClusterCalls.get(port, "/v1/models", KEY)
                            .body()
                            .contains("\"" + model + "\""));
                return System.nanoTime();
              },
              pollers));
    }
    try {
      return drops.stream().mapToLong(CompletableFuture::join).max().orElseThrow();
    } finally {
      pollers.shutdownNow();
    }
  }

  /** A request that needed neither the killed broker nor a connector attached to it. */
  private static boolean elsewhere(Outcome o) {
    return o.broker() != KILLED && HOME[MODELS.indexOf(o.model())] != KILLED;
  }

  private static HttpResponse<String> post(int port, String path, String body) {
    return ClusterCalls.post(port, path, KEY, body);
  }
}
