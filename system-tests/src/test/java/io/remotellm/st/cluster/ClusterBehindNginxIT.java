package io.remotellm.st.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.st.support.Wait;
import io.remotellm.testsupport.FakeLlm;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two clustered brokers behind nginx run with the sample config {@code
 * deploy/nginx/remotellm-cluster.conf}: a connector attaches through nginx (WebSocket upgrade),
 * answers come through nginx whole and streamed events as they are produced, from either broker.
 * The same two brokers (one fixture, one boot) then show operators the cluster: the admin API of
 * either lists both brokers and every connector with the broker it is attached to, and health too;
 * last, one broker is frozen (SIGSTOP) and the other drops its routes within the heartbeat bound
 * and keeps serving. Without nginx only the nginx tests skip (CI installs it).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterBehindNginxIT {

  private static final String USER_KEY = "sk-nginx-" + UUID.randomUUID();
  private static final String ADMIN_KEY = "adm-nginx-" + UUID.randomUUID();
  private static final ClusterClient CLIENT = new ClusterClient(USER_KEY, ADMIN_KEY);

  /** Served by the connector that dials nginx (broker 0 straight, without nginx). */
  private static final String VIA_NGINX = "via-nginx-m";

  /** Served by a connector dialing the other broker straight. */
  private static final String DIRECT = "direct-m";

  /** Statuses the brokers answered while they started, and how often. */
  private static final Map<Integer, Integer> BOOT_STATUSES = new ConcurrentSkipListMap<>();

  private static FakeLlm llm;
  private static final List<ProductProcess> brokers = new ArrayList<>();
  private static final List<ProductProcess> connectors = new ArrayList<>();
  private static NginxInFront nginx;
  private static int[] ports;
  private static int[] healthPorts;

  /** The broker the nginx connector's WebSocket reached; the other one has DIRECT's. */
  private static int holder;

  @BeforeAll
  static void start() throws IOException {
    llm = FakeLlm.start();
    String token = "ct-nginx-" + UUID.randomUUID();
    Path connectorConfig = ProductRun.writeConnectorConfig(Map.of(token, ""));
    ClusterLayout layout = ClusterLayout.of(2, "st-nginx-");
    ports = layout.ports;
    healthPorts = layout.healthPorts;
    for (int i = 0; i < 2; i++) {
      brokers.add(
          ProductProcess.start(
              "nginx-broker-" + i,
              "remotellm-broker",
              layout.brokerArgs(i, connectorConfig),
              Map.of(
                  "REMOTELLM_BROKER_USER_API_KEYS", USER_KEY,
                  "REMOTELLM_BROKER_ADMIN_KEYS", ADMIN_KEY)));
    }
    for (int i = 0; i < 2; i++) {
      awaitBroker(i);
    }
    nginx = startNginx();
    attach(token, "nginx-connector", nginx != null ? nginx.port : ports[0], VIA_NGINX);
    holder = CLIENT.admin(ports[0], "connectors").toString().contains(VIA_NGINX) ? 0 : 1;
    attach(token, "direct-connector", ports[1 - holder], DIRECT);
  }

  private static NginxInFront startNginx() throws IOException {
    Path binary = NginxInFront.binary().orElse(null);
    if (binary == null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("nginx is not installed; CI must install it (apt-get nginx)");
      }
      System.out.println("ClusterBehindNginxIT: nginx is not installed; its tests skip");
      return null;
    }
    NginxInFront started =
        NginxInFront.start(binary, List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]));
    Wait.until(
        "nginx to pass /v1/models to the brokers",
        Duration.ofSeconds(30),
        () -> {
          if (!started.isAlive()) {
            throw new AssertionError("nginx exited; see " + started.errorLog());
          }
          return CLIENT.get(started.port, "/v1/models").statusCode() == 200;
        });
    return started;
  }

  /** A connector dialing {@code port} for {@code model}, routable on both brokers. */
  private static void attach(String token, String name, int port, String model) {
    int health = FreePort.next();
    ProductProcess c =
        ProductRun.startConnector(
            name, llm.baseUrl().toString(), port, token, health, List.of(model), List.of());
    connectors.add(c);
    ProductRun.awaitReady(c, health, Duration.ofSeconds(90));
    for (int p : ports) {
      Wait.until(
          "the broker on " + p + " to list " + model,
          Duration.ofSeconds(30),
          () -> CLIENT.get(p, "/v1/models").body().contains("\"" + model + "\""));
    }
  }

  /**
   * Two brokers booting at once on a shared machine: ten minutes each at most, the join included.
   * Every answer before the first 200 is kept: a request arriving during the start must get 503 (or
   * Payara's 404 before the module exists), never 500.
   */
  private static void awaitBroker(int i) {
    ProductProcess broker = brokers.get(i);
    Wait.until(
        "broker " + i + " to serve /v1/models",
        Duration.ofSeconds(600),
        () -> {
          if (!broker.isAlive()) {
            throw new AssertionError(broker.name() + " exited; see " + broker.log());
          }
          int status = CLIENT.get(ports[i], "/v1/models").statusCode();
          BOOT_STATUSES.merge(status, 1, Integer::sum);
          return status == 200;
        });
  }

  @AfterAll
  static void stop() {
    Stream.concat(connectors.stream(), brokers.stream()).forEach(ProductProcess::close);
    if (nginx != null) {
      nginx.close();
    }
    if (llm != null) {
      llm.close();
    }
  }

  @Test
  @Order(0)
  void requestsDuringTheStartGot503NotA500() {
    System.out.println(
        "ClusterBehindNginxIT: statuses while the brokers started: " + BOOT_STATUSES);
    assertThat(BOOT_STATUSES).doesNotContainKey(500).containsKey(200);
  }

  @Test
  @Order(1)
  void answersComeThroughNginxWholeFromEitherBroker() {
    assumeTrue(nginx != null, "nginx is not installed");
    // nginx alternates between the brokers: four of each kind reach both; the one without the
    // connector forwards.
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> chat = CLIENT.chat(nginx.port, VIA_NGINX, false);
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
      assertThat(ClusterClient.json(chat.body()).getJsonArray("choices")).hasSize(1);
      assertThat(chat.body()).contains("\"finish_reason\":\"stop\"");

      HttpResponse<String> stream = CLIENT.chat(nginx.port, VIA_NGINX, true);
      assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
      List<String> events = stream.body().lines().filter(l -> l.startsWith("data: ")).toList();
      assertThat(events).as(stream.body()).hasSizeGreaterThanOrEqualTo(6).endsWith("data: [DONE]");
    }
    for (int port : ports) {
      assertThat(CLIENT.chat(port, VIA_NGINX, false).statusCode())
          .as("straight to the broker on port " + port)
          .isEqualTo(200);
    }
  }

  @Test
  @Order(2)
  void streamedEventsPassNginxAsTheyAreProduced() throws Exception {
    assumeTrue(nginx != null, "nginx is not installed");
    llm.script(FakeLlm.Script.defaults().withChunks(12).withChunkDelay(Duration.ofMillis(500)));
    try {
      // Twice: nginx alternates, so once through each broker (one of them forwarding).
      for (int round = 0; round < 2; round++) {
        int completedBefore = llm.completedCount();
        HttpResponse<Stream<String>> stream =
            ClusterClient.HTTP.send(
                CLIENT.chatRequest(nginx.port, VIA_NGINX, true).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        Iterator<String> lines = stream.body().iterator();
        String first = null;
        while (first == null && lines.hasNext()) {
          String line = lines.next();
          first = line.startsWith("data: ") ? line : null;
        }
        // The fake takes 6 s to produce the answer: buffered, the first event would come after.
        int completedAtFirstEvent = llm.completedCount();
        List<String> rest = new ArrayList<>();
        lines.forEachRemaining(l -> rest.add(l));
        List<String> events = rest.stream().filter(l -> l.startsWith("data: ")).toList();
        assertThat(first).as("a first event").isNotNull();
        assertThat(completedAtFirstEvent)
            .as("answers the fake LLM had finished when the first event came through nginx")
            .isEqualTo(completedBefore);
        assertThat(events).as("every chunk came through").hasSizeGreaterThanOrEqualTo(12);
        assertThat(events).endsWith("data: [DONE]");
      }
    } finally {
      llm.script(FakeLlm.Script.defaults());
    }
  }

  @Test
  @Order(3)
  void eitherBrokersAdminApiAndHealthShowBothBrokersAndWhereEachConnectorIs() {
    String[] memberIds = new String[2];
    for (int i = 0; i < 2; i++) {
      memberIds[i] =
          CLIENT
              .admin(ports[i], "cluster")
              .getJsonObject("cluster")
              .getJsonArray("members")
              .stream()
              .map(JsonValue::asJsonObject)
              .filter(m -> m.getBoolean("this_broker"))
              .map(m -> m.getString("member_id"))
              .findFirst()
              .orElseThrow();
    }
    assertThat(memberIds[0]).isNotEqualTo(memberIds[1]);
    List<Integer> entries = new ArrayList<>(List.of(ports[0], ports[1]));
    if (nginx != null) {
      entries.add(nginx.port);
    }
    for (int port : entries) {
      JsonObject cluster = CLIENT.admin(port, "cluster").getJsonObject("cluster");
      assertThat(cluster.getBoolean("clustered")).isTrue();
      List<JsonObject> members =
          cluster.getJsonArray("members").getValuesAs(JsonObject.class).stream().toList();
      assertThat(members).as(cluster.toString()).hasSize(2);
      assertThat(members).allMatch(m -> m.getBoolean("alive"));
      assertThat(members.stream().map(m -> m.getString("member_id")))
          .containsExactlyInAnyOrder(memberIds);
      assertThat(members.stream().map(m -> m.getString("public_url")))
          .allMatch(url -> url.startsWith("http://"));
      assertThat(connectorsAt(cluster, VIA_NGINX)).containsExactly(memberIds[holder]);
      assertThat(connectorsAt(cluster, DIRECT)).containsExactly(memberIds[1 - holder]);
    }
    // Health: each broker's segment (its URL, then its connectors) lists the one attached there.
    JsonObject admin = CLIENT.admin(ports[0], "cluster").getJsonObject("cluster");
    for (int i = 0; i < 2; i++) {
      String health = ProductRun.get("http://127.0.0.1:" + healthPorts[i] + "/health").body();
      assertThat(health).containsPattern("\"cluster_members\":\"?2");
      for (String model : List.of(VIA_NGINX, DIRECT)) {
        String url = urlOf(admin, connectorsAt(admin, model).get(0));
        assertThat(health).containsPattern(Pattern.quote(url) + "[^\\]]*\\[[^\\]]*" + model);
      }
    }
  }

  @Test
  @Order(4)
  void aFrozenBrokerIsDroppedWithinTheHeartbeatBoundAndTheOtherKeepsServing() throws Exception {
    int frozen = 1 - holder;
    int survivor = holder;
    ProductProcess broker = brokers.get(frozen);
    signal("STOP", broker.pid());
    long stopped = System.nanoTime();
    try {
      Wait.until(
          "the broker left to drop the frozen broker's " + DIRECT,
          Duration.ofSeconds(90),
          () -> !CLIENT.get(ports[survivor], "/v1/models").body().contains("\"" + DIRECT + "\""));
      long millis = Duration.ofNanos(System.nanoTime() - stopped).toMillis();
      System.out.println(
          "ClusterBehindNginxIT: the frozen broker's routes dropped "
              + millis
              + " ms after SIGSTOP");
      // Heartbeats every 2 s, dropped after 10 s without: 10-12 s, plus a loaded machine's delay.
      assertThat(millis).as("frozen broker dropped after (ms)").isLessThan(20_000);
      assertThat(CLIENT.chat(ports[survivor], VIA_NGINX, false).statusCode()).isEqualTo(200);
      assertThat(CLIENT.chat(ports[survivor], VIA_NGINX, true).body()).contains("data: [DONE]");
      HttpResponse<String> gone = CLIENT.chat(ports[survivor], DIRECT, false);
      assertThat(gone.statusCode()).isEqualTo(404);
      JsonObject cluster = CLIENT.admin(ports[survivor], "cluster").getJsonObject("cluster");
      JsonObject left =
          cluster.getJsonArray("members").getValuesAs(JsonObject.class).stream()
              .filter(m -> !m.getBoolean("alive"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no departed broker in " + cluster));
      assertThat(left.getString("left_at")).isNotBlank();
      assertThat(connectorsAt(cluster, DIRECT)).isEmpty();
    } finally {
      signal("CONT", broker.pid());
    }
  }

  /** The member ids of the brokers the admin API says serve {@code model}. */
  private static List<String> connectorsAt(JsonObject cluster, String model) {
    return cluster.getJsonArray("connectors").getValuesAs(JsonObject.class).stream()
        .filter(c -> c.getJsonArray("models").toString().contains("\"" + model + "\""))
        .map(c -> c.getString("member_id"))
        .toList();
  }

  private static String urlOf(JsonObject cluster, String memberId) {
    return cluster.getJsonArray("members").getValuesAs(JsonObject.class).stream()
        .filter(m -> m.getString("member_id").equals(memberId))
        .map(m -> m.getString("public_url"))
        .findFirst()
        .orElseThrow();
  }

  private static void signal(String name, long pid) throws IOException, InterruptedException {
    int rc = new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).start().waitFor();
    assertThat(rc).as("kill -" + name + " " + pid).isZero();
  }
}
