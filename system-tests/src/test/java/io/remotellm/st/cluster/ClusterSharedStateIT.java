package io.remotellm.st.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.broker.ledger.PostgresCluster;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.opentest4j.TestAbortedException;

/**
 * Three brokers started by their launcher, clustered on loopback: a user's limit holds across all
 * three under concurrency, and what an admin does on one (a key created or revoked, a connector
 * token revoked) holds on the others within a second.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterSharedStateIT {

  private static final String PLAIN_KEY = "sk-shared-plain-" + UUID.randomUUID();
  private static final String ADMIN_KEY = "adm-shared-" + UUID.randomUUID();
  private static final String MODEL = "shared-m";
  private static final int BROKERS = 3;

  /** The broker {@code aKilledBrokersConcurrencySlotIsFreedByTheOthers} kills; no connector. */
  private static final int KILLED = 2;

  private static final boolean[] dead = new boolean[BROKERS];

  /** The database every broker shares, as docs/cluster.md asks; null where none is installed. */
  private static PostgresCluster postgres;

  private static String noPostgres;

  private static FakeLlm llm;
  private static final List<ProductProcess> brokers = new ArrayList<>();
  private static ProductProcess connector;
  private static int[] ports;

  @BeforeAll
  static void startCluster() throws IOException {
    llm = FakeLlm.start();
    String token = "ct-shared-" + UUID.randomUUID();
    Path connectorConfig = ProductRun.writeConnectorConfig(Map.of(token, ""));
    ClusterLayout layout = ClusterLayout.of(BROKERS, "st-shared-");
    ports = layout.ports;
    Map<String, String> env = new HashMap<>();
    env.put("REMOTELLM_BROKER_USER_API_KEYS", PLAIN_KEY);
    env.put("REMOTELLM_BROKER_ADMIN_KEYS", ADMIN_KEY);
    try {
      // Skipped (each broker then keeps its own embedded database) only where PostgreSQL is not
      // installed and CI is not set; CI installs it.
      postgres = PostgresCluster.start();
      env.put("REMOTELLM_BROKER_DATABASE_URL", postgres.url());
      env.put("REMOTELLM_BROKER_DATABASE_USER", PostgresCluster.USER);
      env.put("REMOTELLM_BROKER_DATABASE_PASSWORD_FILE", postgres.passwordFile().toString());
    } catch (TestAbortedException e) {
      noPostgres = e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    for (int i = 0; i < BROKERS; i++) {
      brokers.add(layout.startBroker(i, "shared-broker-" + i, connectorConfig, env));
    }
    for (int i = 0; i < BROKERS; i++) {
      ClusterCalls.awaitBroker(brokers.get(i), ports[i], PLAIN_KEY);
    }
    int health = FreePort.next();
    connector =
        ProductRun.startConnector(
            "shared-connector",
            llm.baseUrl().toString(),
            ports[1],
            token,
            health,
            List.of(MODEL),
            List.of());
    ProductRun.awaitReady(connector, health, Duration.ofSeconds(90));
  }

  @AfterAll
  static void stopCluster() {
    Stream.concat(Stream.ofNullable(connector), brokers.stream()).forEach(ProductProcess::close);
    if (llm != null) {
      llm.close();
    }
    if (postgres != null) {
      try {
        postgres.close();
      } catch (IOException e) {
        System.out.println("ClusterSharedStateIT: PostgreSQL not removed: " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  @Order(1)
  void aHundredPerMinuteLetsExactlyAHundredThroughAcrossAllBrokers() throws Exception {
    String key = createUser("carol", 100);
    // 250 requests, 50 at once, taking the brokers in turn, for a model nobody serves: each
    // is admitted (then 404) or refused (429) before any relaying, so only the limit decides.
    ExecutorService clients = Executors.newFixedThreadPool(50);
    List<Future<Integer>> sent = new ArrayList<>();
    try {
      for (int i = 0; i < 250; i++) {
        int port = ports[i % BROKERS];
        sent.add(clients.submit(() -> chat(port, key, "no-such-model").statusCode()));
      }
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> f : sent) {
        statuses.add(f.get(120, TimeUnit.SECONDS));
      }
      Map<Integer, Long> byStatus =
          statuses.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()));
      assertThat(byStatus).containsOnly(Map.entry(404, 100L), Map.entry(429, 150L));
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  @Order(2)
  void usageOnEveryBrokerGoesToOneLedgerThatEachBrokerReads() {
    Assumptions.assumeTrue(postgres != null, noPostgres);
    String key = createUser("grace", 0);
    // Two answers through each broker: broker 1 serves from its connector, the others forward.
    long tokens = 0;
    for (int round = 0; round < 2; round++) {
      for (int port : ports) {
        HttpResponse<String> answer = chat(port, key, MODEL);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        Matcher used = Pattern.compile("\"total_tokens\":(\\d+)").matcher(answer.body());
        assertThat(used.find()).as("usage in " + answer.body()).isTrue();
        tokens += Long.parseLong(used.group(1));
      }
    }
    long expected = tokens;
    assertThat(expected).isPositive();
    // Each broker's admin API reads today's tokens from the ledger (refreshed every 10 s at
    // most); with one database every broker shows all six answers, whichever broker took them.
    for (int i = 0; i < BROKERS; i++) {
      int broker = i;
      Wait.until(
          "broker " + i + " to show grace's " + expected + " tokens from the shared ledger",
          Duration.ofSeconds(40),
          () -> tokensToday(broker, "grace") == expected);
    }
  }

  /** The user's {@code tokens_today} as broker {@code broker}'s admin API shows it, or -1. */
  private static long tokensToday(int broker, String user) {
    String users = send(admin(broker, "/admin/api/users").GET().build()).body();
    int at = users.indexOf("\"name\":\"" + user + "\"");
    if (at < 0) {
      return -1;
    }
    // The user's own fields, up to the next user's name (its limits are an object of their own).
    int next = users.indexOf("\"name\":", at + 1);
    Matcher m =
        Pattern.compile("\"tokens_today\":(\\d+)")
            .matcher(users.substring(at, next < 0 ? users.length() : next));
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  @Test
  @Order(3)
  void aConcurrencySlotTakenOnOneBrokerIsGivenBackWhicheverBrokerHoldsTheCounter() {
    String key = createUser("erin", "{\"max_concurrent\":1}");
    // One at a time, through each broker in turn. The slot is given back on the grid just after
    // the answer (wherever the user's counter lives), so the next request may briefly find it
    // still taken; one never given back (seen: the release lost on the counter's owner) refuses
    // every later request with 429.
    for (int i = 0; i < 4 * BROKERS; i++) {
      int port = ports[i % BROKERS];
      HttpResponse<String> r =
          Wait.forValue(
              "request " + i + " via broker " + i % BROKERS + " to find the slot free",
              Duration.ofSeconds(10),
              () -> {
                HttpResponse<String> answer = chat(port, key, MODEL);
                return answer.statusCode() == 429 ? null : answer;
              });
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
  }

  @Test
  @Order(4)
  void aKilledBrokersConcurrencySlotIsFreedByTheOthers() throws Exception {
    String key = createUser("frank", "{\"max_concurrent\":1}");
    int before = llm.chatCount();
    llm.script(FakeLlm.Script.defaults().withHang(true));
    try {
      // Admitted on the broker about to die (it forwards to broker 1's connector), and held there
      // by an LLM that never answers: that broker holds frank's only slot on the grid.
      CompletableFuture<HttpResponse<String>> held =
          CompletableFuture.supplyAsync(() -> chat(ports[KILLED], key, MODEL));
      assertThat(llm.awaitChatRequests(before + 1, Duration.ofSeconds(60)))
          .as("the held request reached the LLM")
          .isTrue();
      assertThat(chat(ports[0], key, MODEL).statusCode()).isEqualTo(429);

      brokers.get(KILLED).kill();
      dead[KILLED] = true;
      long t0 = System.nanoTime();
      llm.script(FakeLlm.Script.defaults());
      HttpResponse<String> next =
          Wait.forValue(
              "broker 0 to admit frank once the killed broker's slot is freed",
              Duration.ofSeconds(30),
              () -> {
                HttpResponse<String> r = chat(ports[0], key, MODEL);
                return r.statusCode() == 429 ? null : r;
              });
      long millis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
      System.out.println(
          "ClusterSharedStateIT: kill -9 of the broker holding a max_concurrent=1 slot; another"
              + " broker admitted the user again after "
              + millis
              + " ms");
      assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
      assertThat(held).failsWithin(Duration.ofSeconds(30)); // its broker died under it
    } finally {
      llm.script(FakeLlm.Script.defaults());
    }
  }

  @Test
  @Order(5)
  void aKeyRevokedOnOneBrokerIsRefusedOnTheOthersWithinASecond() {
    String key = createUser("dave", 0);
    HttpResponse<String> revoked = send(admin(0, "/admin/api/users/dave").DELETE().build());
    assertThat(revoked.statusCode()).isEqualTo(204);
    long millis =
        onEveryOtherBroker(
            "refuse the revoked key", port -> get(port, "/v1/models", key).statusCode() == 401);
    System.out.println(
        "ClusterSharedStateIT: key revoked on broker 0, 401 on every other broker after "
            + millis
            + " ms");
    assertThat(millis).as("revoked key refused on the other brokers after (ms)").isLessThan(1000);
  }

  @Test
  @Order(6)
  void aConnectorTokenRevokedOnOneBrokerClosesItsLinkOnTheOther() {
    String connectors = send(admin(1, "/admin/api/connectors").GET().build()).body();
    Matcher m = Pattern.compile("\"token_fingerprint\":\"([^\"]+)\"").matcher(connectors);
    assertThat(m.find()).as("the connector attached to broker 1: " + connectors).isTrue();
    String fingerprint = m.group(1);
    assertThat(chat(ports[1], PLAIN_KEY, MODEL).statusCode()).isEqualTo(200);

    HttpResponse<String> revoked =
        send(admin(0, "/admin/api/connectors/" + fingerprint).DELETE().build());
    assertThat(revoked.statusCode()).isEqualTo(204);
    long millis =
        onEveryOtherBroker(
            "drop the revoked connector's model",
            port -> !get(port, "/v1/models", PLAIN_KEY).body().contains("\"" + MODEL + "\""));
    System.out.println(
        "ClusterSharedStateIT: token revoked on broker 0, link closed on broker 1 (model gone from"
            + " brokers 1 and 2) after "
            + millis
            + " ms");
    assertThat(millis)
        .as("revoked connector's link closed on the other broker (ms)")
        .isLessThan(1000);
    // It redials and is refused: the model stays gone.
    assertThat(chat(ports[1], PLAIN_KEY, MODEL).statusCode()).isEqualTo(404);
  }

  /** Creates a user on broker 0 (once its database is open) and waits until the others know it. */
  private static String createUser(String name, int requestsPerMinute) {
    return createUser(name, "{\"requests_per_minute\":" + requestsPerMinute + "}");
  }

  private static String createUser(String name, String limits) {
    String body = "{\"name\":\"" + name + "\",\"limits\":" + limits + "}";
    HttpResponse<String> created =
        Wait.forValue(
            "broker 0 to create " + name + " (503 while its database opens)",
            Duration.ofSeconds(120),
            () -> {
              HttpResponse<String> r =
                  send(
                      admin(0, "/admin/api/users")
                          .header("content-type", "application/json")
                          .POST(HttpRequest.BodyPublishers.ofString(body))
                          .build());
              return r.statusCode() == 503 ? null : r;
            });
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    Matcher m = Pattern.compile("\"api_key\":\"([^\"]+)\"").matcher(created.body());
    assertThat(m.find()).isTrue();
    String key = m.group(1);
    onEveryOtherBroker(
        "know " + name + "'s key", port -> get(port, "/v1/models", key).statusCode() == 200);
    return key;
  }

  /**
   * Waits (5 s at most each) until every live broker but broker 0, where the admin acted, {@code
   * shows} the change on its port; returns how long that took in all, in milliseconds.
   */
  private static long onEveryOtherBroker(String what, IntPredicate shows) {
    long t0 = System.nanoTime();
    for (int i = 1; i < BROKERS; i++) {
      if (dead[i]) {
        continue;
      }
      int port = ports[i];
      Wait.until("broker " + i + " to " + what, Duration.ofSeconds(5), () -> shows.test(port));
    }
    return Duration.ofNanos(System.nanoTime() - t0).toMillis();
  }

  private static HttpRequest.Builder admin(int broker, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[broker] + path))
        .header("x-admin-key", ADMIN_KEY)
        .timeout(Duration.ofSeconds(30));
  }

  private static HttpResponse<String> chat(int port, String key, String model) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .header("content-type", "application/json")
            .timeout(Duration.ofSeconds(60))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
            .build());
  }

  private static HttpResponse<String> get(int port, String path, String key) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + key)
            .timeout(Duration.ofSeconds(30))
            .build());
  }

  private static HttpResponse<String> send(HttpRequest request) {
    return ClusterClient.send(request);
  }
}
