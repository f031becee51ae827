package io.remotellm.st.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.remotellm.st.admin.Chromium;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.st.support.Wait;
import io.remotellm.testsupport.FakeLlm;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

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
  private static final String VIA_NGINX = TwoBrokersBehindNginx.VIA_NGINX;
  private static final String DIRECT = TwoBrokersBehindNginx.DIRECT;

  private static TwoBrokersBehindNginx fixture;
  private static FakeLlm llm;
  private static NginxInFront nginx;
  private static int[] ports;
  private static int[] healthPorts;
  private static int holder;

  @BeforeAll
  static void start() throws IOException {
    fixture = TwoBrokersBehindNginx.start(CLIENT, USER_KEY, ADMIN_KEY);
    llm = fixture.llm;
    nginx = fixture.nginx;
    ports = fixture.ports;
    healthPorts = fixture.healthPorts;
    holder = fixture.holder;
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
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
      assertThat(ClusterClient.brokersServing(cluster, VIA_NGINX))
          .containsExactly(memberIds[holder]);
      assertThat(ClusterClient.brokersServing(cluster, DIRECT))
          .containsExactly(memberIds[1 - holder]);
    }
    // Health: each broker's segment (its URL, then its connectors) lists the one attached there.
    JsonObject admin = CLIENT.admin(ports[0], "cluster").getJsonObject("cluster");
    for (int i = 0; i < 2; i++) {
      String health = ProductRun.get("http://127.0.0.1:" + healthPorts[i] + "/health").body();
      assertThat(health).containsPattern("\"cluster_members\":\"?2");
      for (String model : List.of(VIA_NGINX, DIRECT)) {
        String url =
            ClusterClient.publicUrlOf(admin, ClusterClient.brokersServing(admin, model).get(0));
        assertThat(health).containsPattern(Pattern.quote(url) + "[^\\]]*\\[[^\\]]*" + model);
      }
    }
  }

  @Test
  @Order(4)
  void theAdminPageShowsTheClusterInABrowser() throws IOException {
    ChromeDriver browser =
        Chromium.start(Files.createTempDirectory(ProductProcess.logDir(), "cluster-page"));
    try {
      browser.get("http://127.0.0.1:" + ports[0] + "/admin/");
      browser.findElement(By.id("admin-key")).sendKeys(ADMIN_KEY);
      browser.findElement(By.cssSelector("#login-form button")).click();
      Wait.until(
          "the page to list both connectors of the cluster",
          Duration.ofSeconds(60),
          () -> browser.findElements(By.cssSelector("#cluster-connectors tbody tr")).size() == 2);
      assertThat(browser.findElement(By.id("cluster")).isDisplayed()).isTrue();
      Chromium.screenshot(browser, ProductProcess.logDir(), "cluster-admin-page");
      JsonObject cluster = CLIENT.admin(ports[0], "cluster").getJsonObject("cluster");
      String members = browser.findElement(By.cssSelector("#cluster-members tbody")).getText();
      for (JsonObject m : cluster.getJsonArray("members").getValuesAs(JsonObject.class)) {
        assertThat(members).contains(m.getString("member_id"), m.getString("public_url"));
      }
      // The page redraws its tables every 2 s: read the table's text in one call, a line a row.
      List<String> lines =
          browser
              .findElement(By.cssSelector("#cluster-connectors tbody"))
              .getText()
              .lines()
              .toList();
      for (String model : List.of(VIA_NGINX, DIRECT)) {
        String row = lines.stream().filter(line -> line.contains(model)).findFirst().orElseThrow();
        assertThat(row)
            .contains(
                ClusterClient.publicUrlOf(
                    cluster, ClusterClient.brokersServing(cluster, model).get(0)));
      }
    } finally {
      browser.quit();
    }
  }

  @Test
  @Order(5)
  void aFrozenBrokerIsDroppedWithinTheHeartbeatBoundAndTheOtherKeepsServing() throws Exception {
    int frozen = 1 - holder;
    int survivor = holder;
    ProductProcess broker = fixture.brokers.get(frozen);
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
      assertThat(ClusterClient.brokersServing(cluster, DIRECT)).isEmpty();
    } finally {
      signal("CONT", broker.pid());
    }
  }

  private static void signal(String name, long pid) throws IOException, InterruptedException {
    int rc = new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).start().waitFor();
    assertThat(rc).as("kill -" + name + " " + pid).isZero();
  }
}
