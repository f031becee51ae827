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
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 *
 * <p>The peer links are tested on the same cluster: broker 0 holds at most {@link #BOUND} bytes
 * unwritten per request on a link, broker 1 has its links switched off (HTTP forwards only), and
 * broker 2's public URL refuses link upgrades. A link dialled from here ({@link RawPeerLink}) with
 * a forged, stale or replayed handshake, or sending garbage, is closed and serves nothing; one that
 * stops reading gets its stream cancelled at the bound while its other requests are answered.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

  private static final String KEY = "sk-cluster-user-" + UUID.randomUUID();
  private static final List<String> MODELS = List.of("model-0", "model-1", "model-1b", "model-2");

  /** Which broker each model's connector attaches to first. */
  private static final int[] HOME = {0, 1, 1, 2};

  private static final String APIS = "openai,anthropic,responses,ollama";
  private static final int KILLED = 1;

  /**
   * Broker 0's max-buffered-bytes-per-stream (the least it takes): what one request forwarded to it
   * may leave unwritten on a peer link.
   */
  private static final int BOUND = 65536;

  /** The chunks of the stream a link never reads: about 9 MB of SSE, over twice what TCP holds. */
  private static final int UNREAD_CHUNKS = 60_000;

  /** Broker 1 runs with its peer links switched off, as an operator would: HTTP forwards only. */
  private static final int NO_LINKS = 1;

  /**
   * Broker 2's public URL is a relay that refuses peer link upgrades: the others' links to it
   * cannot open, their HTTP forwards get through.
   */
  private static final int LINK_REFUSED = 2;

  private static LinkRefusingProxy linkRefusing;

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
    linkRefusing = new LinkRefusingProxy(FreePort.next(), layout.ports[LINK_REFUSED]);
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
    Map<String, String> env = new HashMap<>(Map.of("REMOTELLM_BROKER_USER_API_KEYS", KEY));
    switch (i) {
      case 0 -> env.put("REMOTELLM_BROKER_MAX_BUFFERED_BYTES_PER_STREAM", String.valueOf(BOUND));
      case NO_LINKS -> env.put("REMOTELLM_BROKER_CLUSTER_PEER_LINK", "false");
      case LINK_REFUSED -> env.put("REMOTELLM_BROKER_PUBLIC_URL", linkRefusingUrl());
      default -> throw new IllegalArgumentException("broker " + i);
    }
    return layout.startBroker(i, "cluster-broker-" + i, connectorConfig, env);
  }

  private static String linkRefusingUrl() {
    return "http://127.0.0.1:" + linkRefusing.port();
  }

  @AfterAll
  static void stopCluster() {
    Stream.concat(connectors.stream(), Stream.of(brokers))
        .filter(p -> p != null)
        .forEach(ProductProcess::close);
    if (llm != null) {
      llm.close();
    }
    if (linkRefusing != null) {
      try {
        linkRefusing.close();
      } catch (IOException e) {
        // Its sockets are the test JVM's own and go with it.
      }
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
  void aPeerLinkHandshakeUnsignedForgedStaleOrReplayedIsClosedWith1008AndServesNothing()
      throws IOException {
    int port = layout.ports[0];
    long now = System.currentTimeMillis();
    Map<String, String> genuine = RawPeerLink.signed(layout.secret, now);
    // The control: over a genuine handshake the same frame is served.
    String served = "st-raw-genuine-" + UUID.randomUUID();
    try (RawPeerLink link = RawPeerLink.open(port, genuine, 0)) {
      assertThat(link.status()).isEqualTo(101);
      link.sendText(RawPeerLink.chatRequest(1, served, "model-0", false, ""));
      assertThat(lastFrame(link, 1).payload())
          .contains("\"t\":\"head\"", "\"status\":200", "\"t\":\"usage\"");
    }
    assertThat(llmSaw(served)).as("the LLM saw the genuine link's request").isTrue();

    record Refused(String what, Map<String, String> headers, String logged) {}
    List<Refused> refusals =
        List.of(
            new Refused("unsigned", Map.of(), "not signed"),
            new Refused(
                "another secret",
                RawPeerLink.signedWith("not-the-cluster-secret", now),
                "bad signature"),
            new Refused(
                "signed 60 s ago",
                RawPeerLink.signed(layout.secret, now - 60_000),
                "signed too long ago"),
            new Refused(
                "signed 60 s ahead",
                RawPeerLink.signed(layout.secret, now + 60_000),
                "signed too long ago"),
            new Refused("replayed", genuine, "replayed"));
    List<String> refusedIds = new ArrayList<>();
    for (Refused r : refusals) {
      String id = "st-raw-refused-" + UUID.randomUUID();
      refusedIds.add(id);
      try (RawPeerLink link = RawPeerLink.open(port, r.headers(), 0)) {
        assertThat(link.status()).as(r.what()).isEqualTo(101);
        sendIfOpen(link, RawPeerLink.chatRequest(1, id, "model-0", false, ""));
        RawPeerLink.Message first = link.read(Duration.ofSeconds(20));
        assertThat(first).as(r.what() + ": nothing came back").isNotNull();
        assertThat(first.isClose()).as(r.what() + ": " + first).isTrue();
        assertThat(first.closeCode()).as(r.what()).isEqualTo(1008);
        assertThat(first.text()).as(r.what()).isEqualTo("peer link refused");
      }
      assertThat(brokers[0].output())
          .as(r.what())
          .contains("cluster: refused a peer link: " + r.logged());
    }
    // A request served after them all: had any refused link relayed its frame, it would be seen.
    String after = "st-raw-after-refusals-" + UUID.randomUUID();
    try (RawPeerLink link =
        RawPeerLink.open(port, RawPeerLink.signed(layout.secret, System.currentTimeMillis()), 0)) {
      link.sendText(RawPeerLink.chatRequest(1, after, "model-0", false, ""));
      assertThat(lastFrame(link, 1).payload()).contains("\"status\":200");
    }
    for (String id : refusedIds) {
      assertThat(llmSaw(id)).as("the LLM saw " + id).isFalse();
      assertThat(PeerLinkTraffic.accessLine(brokers[0], id)).as(id).isEmpty();
    }
    assertThat(brokers[0].output()).doesNotContain(Files.readString(layout.secret).strip());
  }

  @Test
  @Order(9)
  void unreadableFramesOnAGenuinePeerLinkCloseItWith1002AndServeNothingAfter() throws Exception {
    int port = layout.ports[0];
    try (RawPeerLink link = signedLink(0)) {
      // An unreadable forwarded request is that request's own error; the link goes on.
      link.sendText("R 1\n{not json");
      assertThat(lastFrame(link, 1).payload()).contains("\"t\":\"fail\"", "\"status\":400");
      String next = "st-raw-after-400-" + UUID.randomUUID();
      link.sendText(RawPeerLink.chatRequest(2, next, "model-0", false, ""));
      assertThat(lastFrame(link, 2).payload()).contains("\"status\":200");
    }
    List<String> ignored = new ArrayList<>();
    for (String garbage : List.of("hello, broker", "", "A 1\n", "Z 1\n", "X 1\n{}", "R one\n{}")) {
      try (RawPeerLink link = signedLink(0)) {
        String id = "st-raw-after-garbage-" + UUID.randomUUID();
        ignored.add(id);
        link.sendText(garbage);
        sendIfOpen(link, RawPeerLink.chatRequest(2, id, "model-0", false, ""));
        assertClosedWith(link, 1002, "after " + garbage);
      }
    }
    try (RawPeerLink link = signedLink(0)) {
      String id = "st-raw-after-binary-" + UUID.randomUUID();
      ignored.add(id);
      link.sendBinary(new byte[] {'R', ' ', '1'});
      sendIfOpen(link, RawPeerLink.chatRequest(2, id, "model-0", false, ""));
      assertClosedWith(link, 1002, "after a binary message");
    }
    // A request id used twice: the link closes, and the request in flight on it is cancelled.
    int aborted = llm.abortedCount();
    try (RawPeerLink link = signedLink(0)) {
      String first = "st-raw-first-" + UUID.randomUUID();
      String twice = "st-raw-twice-" + UUID.randomUUID();
      ignored.add(twice);
      link.sendText(
          RawPeerLink.chatRequest(
              5, first, "model-0", true, ",\"fake_llm\":{\"chunks\":3000,\"chunk_delay_ms\":20}"));
      RawPeerLink.Message answer = link.read(Duration.ofSeconds(30));
      assertThat(answer).isNotNull();
      assertThat(answer.frameHead()).isEqualTo("A 5");
      link.sendText(RawPeerLink.chatRequest(5, twice, "model-0", false, ""));
      assertClosedWith(link, 1002, "after a request id in flight");
    }
    Wait.until(
        "the LLM call of the request on the closed link to be aborted",
        Duration.ofSeconds(30),
        () -> llm.abortedCount() > aborted);
    // Served after them all (as above): nothing sent after the garbage was relayed.
    try (RawPeerLink link = signedLink(0)) {
      link.sendText(
          RawPeerLink.chatRequest(1, "st-raw-" + UUID.randomUUID(), "model-0", false, ""));
      assertThat(lastFrame(link, 1).payload()).contains("\"status\":200");
    }
    for (String id : ignored) {
      assertThat(llmSaw(id)).as("the LLM saw " + id).isFalse();
    }
    assertThat(brokers[0].isAlive()).isTrue();
    assertThat(post(port, "/v1/chat/completions", openAi("model-0", true)).body())
        .contains("data: [DONE]");
  }

  @Test
  @Order(10)
  void aBrokerWithItsPeerLinksSwitchedOffForwardsOverHttpStreamedAndNot() {
    // Broker 1 runs with REMOTELLM_BROKER_CLUSTER_PEER_LINK=false. Requests a few seconds apart:
    // with links on, every one after the first would take the link (broker 2 does, above).
    for (int round = 0; round < 3; round++) {
      for (boolean stream : new boolean[] {false, true}) {
        String id = "st-no-link-" + round + "-" + stream + "-" + UUID.randomUUID();
        HttpResponse<String> chat = withId(NO_LINKS, "model-0", stream, id);
        assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
        assertThat(chat.body()).contains(stream ? "data: [DONE]" : "\"choices\"");
        assertThat(accessLine(NO_LINKS, id)).contains("\"cluster_via\":\"http\"");
        assertThat(accessLine(0, id)).as("served by broker 0").contains("\"status\":\"200\"");
      }
      sleepMillis(1500);
    }
    // Nor did any forward before (every model, every API family): never a link, never a dial.
    List<String> forwarded =
        brokers[NO_LINKS].output().lines().filter(l -> l.contains("\"cluster_via\"")).toList();
    assertThat(forwarded).hasSizeGreaterThan(20);
    assertThat(forwarded).allMatch(l -> l.contains("\"cluster_via\":\"http\""));
    assertThat(brokers[NO_LINKS].output()).doesNotContain("peer link to");
  }

  @Test
  @Order(11)
  void aPeerWhoseLinkCannotBeOpenedIsStillReachedOverHttp() {
    // Broker 2's public URL refuses every peer link upgrade (403) and passes HTTP: broker 0 dials,
    // fails, forwards over HTTP, and dials again 5 s later, failing again. Over 7 s of requests.
    int refusedBefore = linkRefusing.refused();
    long until = System.nanoTime() + Duration.ofSeconds(7).toNanos();
    int served = 0;
    while (System.nanoTime() < until || served < 4) {
      boolean stream = served % 2 == 1;
      String id = "st-link-refused-" + served + "-" + UUID.randomUUID();
      HttpResponse<String> chat = withId(0, "model-2", stream, id);
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
      assertThat(chat.body()).contains(stream ? "data: [DONE]" : "\"choices\"");
      assertThat(accessLine(0, id)).contains("\"cluster_via\":\"http\"");
      served++;
      sleepMillis(500);
    }
    assertThat(linkRefusing.refused() - refusedBefore)
        .as("peer link dials refused while forwarding")
        .isGreaterThanOrEqualTo(1);
    assertThat(brokers[0].output())
        .contains("cluster: cannot open a peer link to " + linkRefusingUrl());
    assertThat(linkRefusing.passed()).as("HTTP forwards through broker 2's URL").isPositive();
  }

  @Test
  @Order(12)
  void anUnreadAnswerOnAPeerLinkIsCancelledAtItsBoundAndTheLinksOtherRequestsAreServed()
      throws Exception {
    int aborted = llm.abortedCount();
    // A forwarding broker that stops reading its link: a small receive buffer, and no reads.
    try (RawPeerLink link =
        RawPeerLink.open(
            layout.ports[0], RawPeerLink.signed(layout.secret, System.currentTimeMillis()), 4096)) {
      assertThat(link.status()).isEqualTo(101);
      String unread = "st-raw-unread-" + UUID.randomUUID();
      String beside = "st-raw-beside-" + UUID.randomUUID();
      // About 9 MB of SSE: past what the kernel's socket buffers take (at most tcp_wmem's
      // maximum on broker 0's side, 4 MiB by default) and then past the bound.
      link.sendText(
          RawPeerLink.chatRequest(
              1, unread, "model-0", true, ",\"fake_llm\":{\"chunks\":" + UNREAD_CHUNKS + "}"));
      link.sendText(RawPeerLink.chatRequest(2, beside, "model-0", false, ""));
      Wait.until(
          "the unread stream to be cancelled at its LLM",
          Duration.ofSeconds(60),
          () -> llm.abortedCount() > aborted);
      assertThat(brokers[0].output())
          .contains("cluster: the forwarding broker reads too slowly: over " + BOUND);
      // Reading again: request 1 ends early (its Z has no end), request 2 whole.
      long unreadChars = 0;
      boolean lastChunkArrived = false;
      RawPeerLink.Message endOfUnread = null;
      RawPeerLink.Message endOfBeside = null;
      while (endOfUnread == null || endOfBeside == null) {
        RawPeerLink.Message m = link.read(Duration.ofSeconds(60));
        assertThat(m).as("frames stopped before both requests ended").isNotNull();
        assertThat(m.isClose()).as("link closed: " + m).isFalse();
        switch (m.frameHead()) {
          case "A 1" -> {
            unreadChars += m.payload().length();
            lastChunkArrived |= m.payload().contains("tok" + (UNREAD_CHUNKS - 1) + " ");
          }
          case "Z 1" -> endOfUnread = m;
          case "Z 2" -> endOfBeside = m;
          default -> throw new AssertionError("unexpected frame " + m.frameHead());
        }
      }
      assertThat(endOfUnread.payload()).doesNotContain("\"t\":\"end\"");
      assertThat(lastChunkArrived).as("the unread stream's last chunk arrived").isFalse();
      // What is held for a link that does not read: the kernel's send buffer and the bound.
      assertThat(unreadChars)
          .as("chars of the unread stream that reached the socket")
          .isLessThan(maxSocketSendBuffer() + 2L * BOUND);
      assertThat(endOfBeside.payload()).contains("\"status\":200", "\"t\":\"usage\"");
      // The link itself is fine.
      String later = "st-raw-later-" + UUID.randomUUID();
      link.sendText(RawPeerLink.chatRequest(3, later, "model-0", false, ""));
      assertThat(lastFrame(link, 3).payload()).contains("\"status\":200", "\"t\":\"end\"");
      System.out.printf(
          "ClusterIT: unread stream cancelled at its bound (%d bytes) after %d chars reached the"
              + " socket%n",
          BOUND, unreadChars);
    }
  }

  /** The most a TCP socket's send buffer grows to on this machine (Linux's tcp_wmem maximum). */
  private static long maxSocketSendBuffer() throws IOException {
    // Not Files.readString: on JDK 17 it reads one byte of this file, whose size reads as zero.
    try (InputStream in = new FileInputStream("/proc/sys/net/ipv4/tcp_wmem")) {
      String[] wmem = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+");
      return Long.parseLong(wmem[2]);
    }
  }

  private static RawPeerLink signedLink(int broker) throws IOException {
    RawPeerLink link =
        RawPeerLink.open(
            layout.ports[broker], RawPeerLink.signed(layout.secret, System.currentTimeMillis()), 0);
    assertThat(link.status()).isEqualTo(101);
    return link;
  }

  /** Reads a link's frames until request {@code id}'s last one ({@code Z id}), and returns it. */
  private static RawPeerLink.Message lastFrame(RawPeerLink link, long id) throws IOException {
    List<String> seen = new ArrayList<>();
    while (true) {
      RawPeerLink.Message m = link.read(Duration.ofSeconds(60));
      assertThat(m).as("no Z " + id + " after " + seen).isNotNull();
      assertThat(m.isClose()).as("closed before Z " + id + ": " + m).isFalse();
      if (m.frameHead().equals("Z " + id)) {
        return m;
      }
      seen.add(m.frameHead());
    }
  }

  /**
   * Reads until the link's close; it must come, with {@code code}, and nothing but answers before.
   */
  private static void assertClosedWith(RawPeerLink link, int code, String what) throws IOException {
    while (true) {
      RawPeerLink.Message m = link.read(Duration.ofSeconds(20));
      assertThat(m).as(what + ": the link stayed open").isNotNull();
      if (m.isClose()) {
        assertThat(m.closeCode()).as(what + ": " + m).isEqualTo(code);
        return;
      }
      assertThat(m.frameHead()).as(what).startsWith("A ");
    }
  }

  /** Sends unless the broker closed the socket first (then it cannot serve the frame either). */
  private static void sendIfOpen(RawPeerLink link, String text) {
    try {
      link.sendText(text);
    } catch (IOException e) {
      // Closed already.
    }
  }

  private static boolean llmSaw(String requestId) {
    return llm.chatRequests().stream().anyMatch(r -> requestId.equals(r.header("x-request-id")));
  }

  private static HttpResponse<String> withId(int broker, String model, boolean stream, String id) {
    return ClusterCalls.send(
        HttpRequest.newBuilder(
                ClusterCalls.request(
                    layout.ports[broker],
                    "/v1/chat/completions",
                    KEY,
                    openAi(model, stream),
                    Duration.ofSeconds(30)),
                (name, value) -> true)
            .header("x-request-id", id)
            .build());
  }

  private static String accessLine(int broker, String id) {
    return Wait.forValue(
        "broker " + broker + "'s access line for " + id,
        Duration.ofSeconds(20),
        () -> PeerLinkTraffic.accessLine(brokers[broker], id).orElse(null));
  }

  private static void sleepMillis(long millis) {
    long until = System.nanoTime() + millis * 1_000_000;
    Wait.until("a pause", Duration.ofMillis(millis + 5_000), () -> System.nanoTime() >= until);
  }

  @Test
  @Order(20)
  void aBrokerKilledUnderLoadFailsOnlyItsOwnRequestsAndItsConnectorComesBackElsewhere()
      throws Exception {
    List<Outcome> outcomes;
    long killed;
    long dropped;
    long routable;
    long killedAt;
    try (ClusterLoad load = new ClusterLoad(layout.ports, KEY, MODELS, 2)) {
      Wait.until("the load to get going", Duration.ofSeconds(120), () -> load.finished() >= 24);
      killedAt = System.currentTimeMillis();
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
    long droppedInBrokersMs = routesDroppedInBrokers(killedAt, 0, 2) - killedAt;
    System.out.printf(
        "ClusterIT: after kill -9 of broker %d: its routes dropped by both others in %d ms"
            + " (their log lines), seen through /v1/models in %d ms;"
            + " model-1's connector routable again from both in %d ms%n",
        KILLED, droppedInBrokersMs, dropMs, routableMs);
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

    // The target is 1 s, from the kill to the moment each other broker dropped the routes (the
    // timestamp of its log line, written as it drops them): 450, 622 and 881 ms in three runs at
    // load 5-19, the printed figure is the one to read. The assertion leaves room for the grid's
    // own detection on a busier CI machine. Seen from outside it also includes the polls (100 ms
    // apart, each a request on a machine at load average 17-30: 2.9 s once), hence that margin.
    assertThat(droppedInBrokersMs).as("dead broker out of routing (ms)").isLessThanOrEqualTo(1500);
    assertThat(dropMs).as("dead broker out of /v1/models (ms)").isLessThanOrEqualTo(4000);
    assertThat(routableMs).as("its connector routable again (ms)").isLessThanOrEqualTo(10_000);
  }

  @Test
  @Order(21)
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
  /**
   * When the last of {@code which} brokers logged that a broker left and its routes are dropped
   * (each logs it as it drops them), in epoch milliseconds: the routing's own figure, without the
   * time a poll of /v1/models takes on a loaded machine.
   */
  private static long routesDroppedInBrokers(long since, int... which) {
    long last = 0;
    for (int i : which) {
      int broker = i;
      long[] at = {0};
      Wait.until(
          "broker " + i + " to log the killed broker's leaving",
          Duration.ofSeconds(10),
          () -> (at[0] = leftAt(brokers[broker].output(), since)) > 0);
      last = Math.max(last, at[0]);
    }
    return last;
  }

  private static final Pattern TIME_MILLIS = Pattern.compile("\"TimeMillis\":\"(\\d+)\"");

  /** The time of the first "left; its routes are dropped" line at or after {@code since}, or 0. */
  private static long leftAt(String log, long since) {
    for (String line : log.split("\n")) {
      if (line.contains("left; its routes are dropped")) {
        Matcher m = TIME_MILLIS.matcher(line);
        if (m.find() && Long.parseLong(m.group(1)) >= since) {
          return Long.parseLong(m.group(1));
        }
      }
    }
    return 0;
  }

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
