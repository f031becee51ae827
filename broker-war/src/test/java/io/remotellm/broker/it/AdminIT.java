package io.remotellm.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Fingerprint;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Head;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.websocket.CloseReason;
import java.io.StringReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The admin API on the real broker: the admin key in a header or nothing, user keys created,
 * changed and revoked while running (the revoked key's next request is 401), a connector token
 * revoked (its link closed with 1008, the token refused after), each action in the audit log with
 * the admin key's fingerprint.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class AdminIT {

  private static final Duration WAIT = Duration.ofSeconds(20);

  // Opening the database (H2 file, Flyway, the JPA unit) took over 20 s on a loaded 2-core CI
  // machine (load 38); it is a one-off start cost, not what these tests measure.
  private static final Duration OPEN_WAIT = Duration.ofSeconds(90);
  private static final String ADMIN_KEY = "adm-key-it";
  private static final String LIST_KEY = "sk-list-admin-it";
  private static final String TOKEN = "tok-admin-it";
  private static final String DOOMED_TOKEN = "tok-admin-doomed-it";

  @ArquillianResource URL base;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Deployment(testable = false)
  static WebArchive deployment() {
    return TestDeployments.brokerWithLedgerProbe(
        "remotellm.broker.admin-keys="
            + ADMIN_KEY
            + "\nremotellm.broker.user-api-keys="
            + LIST_KEY
            + "\nremotellm.broker.connector-tokens="
            + TOKEN
            + ","
            + DOOMED_TOKEN
            // Every caller is a trusted proxy here, so X-Forwarded-For stands for callers from
            // other addresses (the throttle test's, a connector behind a proxy).
            + "\nremotellm.broker.trusted-proxies=0.0.0.0/0,::/0"
            + "\n");
  }

  /** Admin actions need the database (they fail with a 503 until it is open). */
  @BeforeEach
  void ledgerOpen() {
    await().atMost(OPEN_WAIT).until(() -> probe("state").getBoolean("open"));
  }

  @Test
  void theApiWantsTheAdminKeyInAHeader() throws Exception {
    assertThat(send(get("/admin/api/overview")).statusCode()).isEqualTo(401);
    assertThat(send(get("/admin/api/overview").header("x-admin-key", "wrong")).statusCode())
        .isEqualTo(401);
    assertThat(
            send(get("/admin/api/overview").header("Cookie", "x-admin-key=" + ADMIN_KEY))
                .statusCode())
        .isEqualTo(401);
    // A user key is not an admin key.
    assertThat(
            send(get("/admin/api/users").header("Authorization", "Bearer " + LIST_KEY))
                .statusCode())
        .isEqualTo(401);
    HttpResponse<String> ok = send(get("/admin/api/users").header("x-admin-key", ADMIN_KEY));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(json(ok).getJsonArray("users").toString())
        .contains("\"key_fingerprint\":\"" + Fingerprint.of(LIST_KEY) + "\"")
        .contains("\"read_only\":true")
        .doesNotContain(LIST_KEY);
    assertThat(
            send(get("/admin/api/overview").header("Authorization", "Bearer " + ADMIN_KEY))
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void aKeyCreatedHereWorksUntilRevokedAndEveryActionIsAudited() throws Exception {
    try (ConnectorPeer peer = ConnectorPeer.attach(ws(), TOKEN, "admin-model")) {
      peer.autoAnswer(r -> answer(r.id()));
      HttpResponse<String> created =
          send(
              admin("/admin/api/users")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"name\":\"carol\",\"models\":[\"admin-*\"],"
                              + "\"limits\":{\"requests_per_minute\":50}}")));
      assertThat(created.statusCode()).isEqualTo(201);
      String key = json(created).getString("api_key");
      assertThat(key).startsWith("sk-rl-");
      assertThat(chat(key).statusCode()).isEqualTo(200);

      JsonObject carol = user("carol");
      assertThat(carol.getString("key_fingerprint")).isEqualTo(Fingerprint.of(key));
      assertThat(carol.getBoolean("read_only")).isFalse();
      assertThat(carol.getJsonNumber("requests_since_start").longValue()).isEqualTo(1);
      assertThat(carol.getJsonObject("limits").getInt("requests_per_minute")).isEqualTo(50);
      assertThat(send(admin("/admin/api/users")).body()).doesNotContain(key);
      // Written through to the database, not only held in memory: it outlives a restart.
      assertThat(probe("admin").getJsonArray("keys").toString())
          .contains(
              "\"user\":\"carol\"",
              "\"key_fingerprint\":\"" + Fingerprint.of(key) + "\"",
              "\"requests_per_minute\":50",
              "admin-*")
          .doesNotContain(key);
      // The usage ledger's daily totals reach the page too (written in batches, off the request).
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(user("carol").getJsonNumber("tokens_today").longValue())
                      .isEqualTo(12));
      assertThat(user("carol").getJsonNumber("tokens_7_days").longValue()).isEqualTo(12);
      assertThat(send(admin("/admin/api/usage_by_day")).body())
          .contains("\"available\":true", "\"carol\":[0,0,0,0,0,0,12]");

      HttpResponse<String> changed =
          send(
              admin("/admin/api/users/carol")
                  .PUT(HttpRequest.BodyPublishers.ofString("{\"models\":[\"other-*\"]}")));
      assertThat(changed.statusCode()).isEqualTo(200);
      assertThat(chat(key).statusCode()).isEqualTo(404); // outside the new allow-list

      assertThat(send(admin("/admin/api/users/carol").DELETE()).statusCode()).isEqualTo(204);
      assertThat(chat(key).statusCode()).isEqualTo(401);
      assertThat(probe("admin").getJsonArray("keys").toString()).doesNotContain("carol");
      // The list's key is read-only here.
      String listName = "key-" + Fingerprint.of(LIST_KEY);
      assertThat(send(admin("/admin/api/users/" + listName).DELETE()).statusCode()).isEqualTo(409);
      assertThat(chat(LIST_KEY).statusCode()).isEqualTo(200);

      String audit = json(send(admin("/admin/api/audit"))).getJsonArray("audit").toString();
      String admin = "\"admin_key_fingerprint\":\"" + Fingerprint.of(ADMIN_KEY) + "\"";
      assertThat(audit)
          .contains("\"action\":\"user.create\"", "\"action\":\"user.change\"")
          .contains("\"action\":\"user.revoke\"", admin)
          .doesNotContain(key);
      String stored = probe("admin").getJsonArray("audit").toString();
      assertThat(stored)
          .contains("\"action\":\"user.create\"", "\"action\":\"user.change\"")
          .contains("\"action\":\"user.revoke\"", "\"target\":\"carol\"")
          .contains("\"admin\":\"" + Fingerprint.of(ADMIN_KEY) + "\"")
          .doesNotContain(key);
    }
  }

  @Test
  void badInputIsA400NeverAUser() throws Exception {
    for (String body :
        List.of(
            "not json",
            "{\"name\":\"<img src=x>\"}",
            "{\"name\":\"anonymous\"}",
            "{\"name\":\"dave\",\"limits\":{\"requests_per_minute\":-1}}",
            "{\"name\":\"dave\",\"models\":\"*\"}")) {
      HttpResponse<String> r =
          send(admin("/admin/api/users").POST(HttpRequest.BodyPublishers.ofString(body)));
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      assertThat(json(r).getJsonObject("error").getString("code")).isEqualTo("invalid_request");
    }
    assertThat(user("dave")).isNull();
  }

  @Test
  void aRevokedConnectorTokenClosesItsLinkAndIsRefusedAfter() throws Exception {
    ConnectorPeer peer = ConnectorPeer.attach(ws(), DOOMED_TOKEN, "doomed-model");
    try {
      String fingerprint = Fingerprint.of(DOOMED_TOKEN);
      await()
          .atMost(WAIT)
          .until(() -> send(admin("/admin/api/connectors")).body().contains(fingerprint));
      assertThat(send(admin("/admin/api/models")).body()).contains("\"doomed-model\"");

      assertThat(send(admin("/admin/api/connectors/" + fingerprint).DELETE()).statusCode())
          .isEqualTo(204);
      CloseReason closed = peer.awaitClose();
      assertThat(closed.getCloseCode().getCode()).isEqualTo(1008);
      assertThat(ConnectorPeer.upgradeStatus(ws(), DOOMED_TOKEN)).isEqualTo(401);
      assertThat(send(admin("/admin/api/models")).body()).doesNotContain("doomed-model");
      assertThat(send(admin("/admin/api/connectors/" + fingerprint).DELETE()).statusCode())
          .isEqualTo(404);
      assertThat(json(send(admin("/admin/api/audit"))).getJsonArray("audit").toString())
          .contains("\"action\":\"connector.revoke\"", "\"target\":\"" + fingerprint + "\"");
      JsonObject stored = probe("admin");
      assertThat(stored.getJsonArray("revoked_tokens").toString()).contains(fingerprint);
      assertThat(stored.getJsonArray("audit").toString())
          .contains("\"action\":\"connector.revoke\"", "\"target\":\"" + fingerprint + "\"");
    } finally {
      peer.close();
    }
  }

  @Test
  void eachConnectorShowsTheAddressItsLinkCameFrom() throws Exception {
    String self = java.net.InetAddress.getByName(base.getHost()).getHostAddress();
    try (ConnectorPeer direct = ConnectorPeer.attach(ws(), TOKEN, "direct-model");
        ConnectorPeer proxied =
            ConnectorPeer.attach(
                ws(), TOKEN, Map.of("X-Forwarded-For", "203.0.113.7"), "proxied-model")) {
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Map<String, String> addresses = new java.util.HashMap<>();
                json(send(admin("/admin/api/connectors")))
                    .getJsonArray("connectors")
                    .forEach(
                        c ->
                            addresses.put(
                                c.asJsonObject().getJsonArray("models").getString(0),
                                c.asJsonObject().getString("address")));
                assertThat(addresses)
                    .containsEntry("direct-model", self)
                    .containsEntry("proxied-model", "203.0.113.7");
              });
    }
  }

  @Test
  void wrongAdminKeysFromOneAddressAreThrottledWithoutHoldingUpAnother() throws Exception {
    String guesser = "198.51.100.23";
    String operator = "198.51.100.99";
    int status = 0;
    for (int i = 0; i < 10 && status != 429; i++) {
      status = guess(guesser).statusCode();
    }
    assertThat(status).as("wrong keys end in 429").isEqualTo(429);
    // The first delay is 1 s; once it is over, one more wrong key doubles it: 2 s to look at it.
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> guess(guesser).statusCode() == 401);
    // Blocked, the right key gets no answer either: a guess must not learn it was right.
    HttpResponse<String> blocked =
        send(admin("/admin/api/overview").header("X-Forwarded-For", guesser));
    assertThat(blocked.statusCode()).isEqualTo(429);
    assertThat(blocked.headers().firstValue("Retry-After"))
        .hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 60));
    assertThat(blocked.body()).contains("too_many_failures");
    // The operator elsewhere is not held up by the guesser's failures.
    assertThat(send(admin("/admin/api/overview").header("X-Forwarded-For", operator)).statusCode())
        .isEqualTo(200);
    // Once the delay is over, the guesser's right key is let in (and clears its record).
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                send(admin("/admin/api/overview").header("X-Forwarded-For", guesser)).statusCode()
                    == 200);
    assertThat(guess(guesser).statusCode()).isEqualTo(401);
  }

  private HttpResponse<String> guess(String from) throws Exception {
    return send(
        get("/admin/api/overview")
            .header("x-admin-key", "guess-" + System.nanoTime())
            .header("X-Forwarded-For", from));
  }

  @Test
  void thePageIsStaticAndHoldsNoData() throws Exception {
    HttpResponse<String> bare = send(get("/admin"));
    assertThat(bare.statusCode()).isEqualTo(302);
    assertThat(bare.headers().firstValue("location"))
        .hasValueSatisfying(l -> assertThat(l).endsWith("/admin/"));
    HttpResponse<String> page = send(get("/admin/"));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-security-policy"))
        .hasValueSatisfying(csp -> assertThat(csp).contains("default-src 'self'"));
    assertThat(page.body()).contains("admin.js").doesNotContain(Fingerprint.of(LIST_KEY));
    assertThat(send(get("/admin/admin.js")).statusCode()).isEqualTo(200);
  }

  private JsonObject user(String name) throws Exception {
    return json(send(admin("/admin/api/users"))).getJsonArray("users").stream()
        .map(v -> v.asJsonObject())
        .filter(u -> u.getString("name").equals(name))
        .findFirst()
        .orElse(null);
  }

  private static List<Frame> answer(String id) {
    return List.of(
        new Head(id, 200, Map.of("content-type", "application/json")),
        new Data(id, "{\"ok\":true}"),
        new End(
            id,
            Json.createObjectBuilder()
                .add("prompt_tokens", 7)
                .add("completion_tokens", 5)
                .build()));
  }

  private HttpResponse<String> chat(String key) throws Exception {
    return send(
        HttpRequest.newBuilder(uri("/v1/chat/completions"))
            .timeout(WAIT)
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"admin-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));
  }

  private HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(WAIT);
  }

  private HttpRequest.Builder admin(String path) {
    return get(path).header("x-admin-key", ADMIN_KEY);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** What the ledger's database holds, read through the broker's store by the test probe. */
  private JsonObject probe(String path) throws Exception {
    HttpResponse<String> r =
        send(get("/v1/~ledger-probe/" + path).header("Authorization", "Bearer " + LIST_KEY));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json(r);
  }

  private static JsonObject json(HttpResponse<String> r) {
    return Json.createReader(new StringReader(r.body())).readObject();
  }

  private URI ws() {
    return URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws");
  }

  private URI uri(String path) {
    return URI.create(base.toString()).resolve(path);
  }
}
