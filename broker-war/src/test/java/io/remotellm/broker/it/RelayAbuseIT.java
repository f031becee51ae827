package io.remotellm.broker.it;

import static io.remotellm.broker.it.TestDeployments.KEYED_TOKEN;
import static io.remotellm.broker.it.TestDeployments.NOKEY_TOKEN;
import static io.remotellm.broker.it.TestDeployments.PLAIN_TOKEN;
import static io.remotellm.broker.it.TestDeployments.USER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Head;
import io.remotellm.protocol.Hello;
import io.remotellm.protocol.ModelsChanged;
import io.remotellm.protocol.Request;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A connector that sends what it should not: text that is no frame, frames of unknown types,
 * answers for requests it was never given or that belong to another connector, data before head,
 * frames after the end, a frame over the size limit. The broker ignores what it cannot use (and
 * logs it once), fails only the request concerned, and keeps serving every other connector.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RelayAbuseIT {

  private static final Duration WAIT = Duration.ofSeconds(15);

  /**
   * On Payara the frame limit is Tyrus's incoming buffer (web.xml, 32 MiB); a lower max-frame-bytes
   * is not enforced there (see docs/reliability.md), so the test goes over 32 MiB.
   */
  private static final int MAX_FRAME = 32 * 1024 * 1024;

  /** No log line, whatever a client or connector sends, is longer than this (reliability.md). */
  private static final int LOG_LINE_BOUND = 8 * 1024;

  @ArquillianResource URL base;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
  private final List<ConnectorPeer> peers = new ArrayList<>();

  @Deployment(testable = false)
  static WebArchive deployment() {
    return TestDeployments.broker(
        String.join(
            "\n",
            "remotellm.broker.user-api-keys=" + USER_KEY,
            "remotellm.broker.connector-tokens="
                + PLAIN_TOKEN
                + ","
                + NOKEY_TOKEN
                + ","
                + KEYED_TOKEN,
            // Generous: receiving the 32 MiB frame below takes ~3.4 s here, and under CI load it
            // once outlasted a 5 s upstream timeout and 3 x 2 s heartbeats (504, then 1001).
            "remotellm.broker.upstream-timeout-seconds=30",
            "remotellm.broker.heartbeat-seconds=10",
            "remotellm.broker.login-free-failures=3",
            "remotellm.broker.login-max-delay-seconds=2",
            // The test client is on loopback: it plays a reverse proxy in the test below.
            "remotellm.broker.trusted-proxies=127.0.0.1,::1",
            ""));
  }

  @AfterEach
  void closePeers() {
    peers.forEach(ConnectorPeer::close);
  }

  @Test
  @Order(1)
  void junkFramesAreIgnoredLoggedOnceAndTheLinkServesOn() throws Exception {
    ConnectorPeer rogue = attach(PLAIN_TOKEN, "rogue-model");
    ConnectorPeer good = attach(NOKEY_TOKEN, "good-model");
    good.autoAnswer(request -> answer(request.id(), "fine"));
    // A stream on the good connector is running while the rogue one misbehaves.
    CompletableFuture<HttpResponse<String>> beside = sendAsync("good-model", true);

    long logBefore = logSize();
    List<String> junk =
        new ArrayList<>(
            List.of(
                "",
                "not json",
                "[]",
                "{}",
                "{\"type\":1}",
                "{\"type\":\"x-future\",\"id\":\"a\"}",
                "{\"type\":\"data\"}",
                "{\"type\":\"head\",\"id\":\"r\",\"status\":99}",
                "{\"type\":\"hello\"}",
                "{\"type\":\"data\",\"id\":\"a\",\"data\":" + "[".repeat(5000) + "}",
                "{\"type\":\"end\",\"id\":\"never-asked\"}",
                "{\"type\":\"data\",\"id\":\"never-asked\",\"data\":\"x\"}",
                "{\"type\":\"head\",\"id\":\"never-asked\",\"status\":200,\"headers\":{}}",
                "{\"type\":\"error\",\"id\":\"never-asked\",\"status\":500,\"code\":\"x\",\"message\":\"y\"}",
                "{\"type\":\"request\",\"id\":\"r\",\"method\":\"POST\",\"path\":\"/x\",\"body\":\"\",\"stream\":false}"));
    for (int i = 0; i < 200; i++) {
      junk.add("garbage " + i);
    }
    junk.forEach(rogue::sendRaw);

    // The rogue link still works: its own request is answered.
    rogue.autoAnswer(request -> answer(request.id(), "rogue but fine"));
    HttpResponse<String> own = send("rogue-model", false);
    assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
    assertThat(own.body()).contains("rogue but fine");
    HttpResponse<String> besideDone = beside.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(besideDone.statusCode()).isEqualTo(200);
    assertThat(besideDone.body()).contains("fine").contains("data: [DONE]");
    assertThat(rogue.isOpen()).isTrue();
    assertThat(good.isOpen()).isTrue();

    // 200 unreadable frames, one WARNING.
    assertThat(invalidFrameWarnings(logBefore, "rogue-model"))
        .as("WARNING lines for the rogue connector's invalid frames")
        .hasSize(1);
  }

  @Test
  @Order(2)
  void answersForAnotherConnectorsRequestAreIgnored() throws Exception {
    ConnectorPeer rogue = attach(PLAIN_TOKEN, "rogue-model");
    ConnectorPeer good = attach(NOKEY_TOKEN, "good-model");
    CompletableFuture<HttpResponse<String>> pending = sendAsync("good-model", false);
    Request request = good.await(Request.class);
    // The rogue connector guesses the id and answers in the good one's place.
    rogue.send(new Head(request.id(), 200, Map.of("content-type", "application/json")));
    rogue.send(new Data(request.id(), "{\"hijacked\":true}"));
    rogue.send(End.of(request.id()));
    // The broker reads a socket's frames in order: once the model named after them is listed,
    // the guessed answer was read too.
    rogue.send(new ModelsChanged(List.of("rogue-model", "rogue-after-guess")));
    await().atMost(WAIT).until(() -> models().contains("rogue-after-guess"));
    assertThat(pending).isNotDone();
    good.send(new Head(request.id(), 200, Map.of("content-type", "application/json")));
    good.send(new Data(request.id(), "{\"genuine\":true}"));
    good.send(End.of(request.id()));
    HttpResponse<String> answer = pending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("{\"genuine\":true}");
  }

  @Test
  @Order(3)
  void dataBeforeHeadAndFramesAfterTheEnd() throws Exception {
    ConnectorPeer peer = attach(PLAIN_TOKEN, "odd-model");
    CompletableFuture<HttpResponse<String>> pending = sendAsync("odd-model", true);
    Request request = peer.await(Request.class);
    // No head: the data counts as a 200 answer.
    peer.send(new Data(request.id(), "{\"n\":1}"));
    peer.send(End.of(request.id()));
    // After the end: ignored.
    peer.send(new Head(request.id(), 500, Map.of()));
    peer.send(new Data(request.id(), "{\"n\":2}"));
    HttpResponse<String> answer = pending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).contains("data: {\"n\":1}").doesNotContain("\"n\":2");
    assertThat(answer.body().lines().filter(l -> l.equals("data: [DONE]")).count()).isEqualTo(1);
    // The link serves on.
    peer.autoAnswer(r -> answer(r.id(), "again"));
    assertThat(send("odd-model", false).body()).contains("again");
  }

  @Test
  @Order(4)
  void aFrameOverTheLimitClosesOnlyThatLinkAndFailsOnlyItsRequest() throws Exception {
    assertAFrameOverTheLimitClosesOnlyThatLink(false);
  }

  @Test
  @Order(5)
  void aBinaryMessageOverTheLimitClosesOnlyThatLinkAsATextOneDoes() throws Exception {
    assertAFrameOverTheLimitClosesOnlyThatLink(true);
  }

  @Test
  @Order(6)
  void invalidUtf8InABinaryMessageIsAnInvalidFrameLoggedOnceAndTheLinkServesOn() throws Exception {
    ConnectorPeer rogue = attach(KEYED_TOKEN, "bytes-model");
    long logBefore = logSize();
    byte[][] junk = {
      {'{', (byte) 0xC3},
      {(byte) 0x80},
      {(byte) 0xC0, (byte) 0xAF},
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}
    };
    for (int i = 0; i < 50; i++) {
      rogue.sendBytes(junk[i % junk.length]);
    }
    // Valid binary messages on the same link are read as their text.
    rogue.binary(true);
    rogue.autoAnswer(request -> answer(request.id(), "bytes but fine"));
    HttpResponse<String> own = send("bytes-model", false);
    assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
    assertThat(own.body()).contains("bytes but fine");
    assertThat(rogue.isOpen()).isTrue();
    List<String> warnings = invalidFrameWarnings(logBefore, "bytes-model");
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains("a binary message that is not valid UTF-8");
  }

  /**
   * The WARNING lines about invalid frames written since {@code logBefore}, read once the access
   * line of a request to {@code model} is there: the log file is written a moment later, and a
   * connector's own access line comes after every line about the junk it sent before on the same
   * socket.
   */
  private static List<String> invalidFrameWarnings(long logBefore, String model) {
    String log =
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(100))
            .until(() -> logSince(logBefore), l -> l.contains("model=" + model + " connector="));
    return log.lines()
        .filter(
            l -> l.contains("further invalid frames of this connector") && l.contains("WARNING"))
        .toList();
  }

  /** The peer sends a frame just over the limit, as text or as a binary message. */
  private void assertAFrameOverTheLimitClosesOnlyThatLink(boolean binary) throws Exception {
    ConnectorPeer big = attach(PLAIN_TOKEN, "big-model");
    ConnectorPeer good = attach(NOKEY_TOKEN, "good-model");
    good.autoAnswer(request -> answer(request.id(), "fine"));
    CompletableFuture<HttpResponse<String>> pending = sendAsync("big-model", true);
    Request request = big.await(Request.class);
    big.binary(binary);
    big.send(new Head(request.id(), 200, Map.of("content-type", "text/event-stream")));
    try {
      big.send(new Data(request.id(), "x".repeat(MAX_FRAME + 1024)));
    } catch (IllegalStateException
        | java.util.concurrent.RejectedExecutionException closedWhileSending) {
      // The broker may close the socket before the whole frame is out: that is the point. The
      // test's Tyrus client then says so either way: an IOException (wrapped by the peer), or,
      // when the close has already shut its session's executor down, a rejected idle-timeout task
      // (seen once in CI).
    }
    HttpResponse<String> failed = pending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(failed.statusCode()).isEqualTo(200);
    assertThat(failed.body())
        .as("the stream ends with an error event")
        .contains("data: {\"error\"")
        .doesNotContain("[DONE]");
    // Tyrus says 1009 (too big) or 1011, depending on where in the frame it gives up.
    assertThat(big.awaitClose().getCloseCode().getCode()).isIn(1009, 1011);
    HttpResponse<String> other = send("good-model", false);
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(good.isOpen()).isTrue();
  }

  @Test
  @Order(10)
  void aFloodOfFailedLoginsIsThrottled() throws Exception {
    URI ws = URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws");
    // Three free failures and a fourth that starts the wait: each upgrade is refused with 401.
    for (int i = 0; i < 4; i++) {
      assertThat(ConnectorPeer.upgradeStatus(ws, "guess-" + i)).isEqualTo(401);
    }
    // Now the address waits (1 s): refused before any token is looked at, the right one too.
    assertThat(ConnectorPeer.upgradeStatus(ws, "guess-5")).isEqualTo(429);
    assertThat(ConnectorPeer.upgradeStatus(ws, PLAIN_TOKEN)).isEqualTo(429);
    long refusedAt = System.nanoTime();
    // After the wait, the right token gets in, and that clears the address.
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> ConnectorPeer.upgradeStatus(ws, PLAIN_TOKEN) == 101);
    ConnectorPeer back = attach(PLAIN_TOKEN, "back-model");
    assertThat(back.isOpen()).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - refusedAt)).isLessThan(Duration.ofSeconds(5));
    // The other connectors were never affected.
    ConnectorPeer good = attach(NOKEY_TOKEN, "good-model");
    good.autoAnswer(request -> answer(request.id(), "fine"));
    assertThat(send("good-model", false).statusCode()).isEqualTo(200);
  }

  @Test
  @Order(11)
  void behindATrustedProxyTheThrottleHoldsOffOnlyTheGuessingCaller() throws Exception {
    URI ws = URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws");
    Map<String, String> guesser = Map.of("X-Forwarded-For", "203.0.113.7");
    for (int i = 0; i < 4; i++) {
      assertThat(ConnectorPeer.upgradeStatus(ws, "guess-" + i, guesser)).isEqualTo(401);
    }
    assertThat(ConnectorPeer.upgradeStatus(ws, PLAIN_TOKEN, guesser)).isEqualTo(429);
    // Another caller behind the same proxy, and the proxy itself, are not held off.
    assertThat(
            ConnectorPeer.upgradeStatus(ws, PLAIN_TOKEN, Map.of("X-Forwarded-For", "203.0.113.8")))
        .isEqualTo(101);
    assertThat(ConnectorPeer.upgradeStatus(ws, PLAIN_TOKEN)).isEqualTo(101);
    // What the caller wrote left of the proxy's entry is not believed.
    assertThat(
            ConnectorPeer.upgradeStatus(
                ws, PLAIN_TOKEN, Map.of("X-Forwarded-For", "203.0.113.9, 203.0.113.7")))
        .isEqualTo(429);
  }

  @Test
  @Order(12)
  void theAccessLineOfARefusedCallNamesTheEndpointTheClientAskedFor() throws Exception {
    long before = logSize();
    HttpResponse<String> refused =
        http.send(
            HttpRequest.newBuilder(URI.create(base.toString()).resolve("/v1/embeddings"))
                .timeout(WAIT)
                .header("Authorization", "Bearer " + USER_KEY)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"nowhere-model\",\"input\":\"x\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(404);
    // The server writes its log file a moment later: wait for the access line.
    String line =
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(100))
            .until(
                () ->
                    logSince(before)
                        .lines()
                        .filter(l -> l.contains("nowhere-model") && l.contains("status=404"))
                        .findFirst()
                        .orElse(null),
                java.util.Objects::nonNull);
    // Not the internal path the call was routed to (~relayed/buffered).
    assertThat(line)
        .as("access line of the refused call")
        .isNotNull()
        .contains("POST /embeddings model=nowhere-model")
        .doesNotContain("~relayed");
  }

  @Test
  @Order(13)
  void aTwoMegabyteModelNameIs400WithAShortBodyAndShortLogLines() throws Exception {
    long before = logSize();
    HttpResponse<String> refused = send("m".repeat(2_000_000) + "\\n\\u001b[31mfake line", false);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("\"param\":\"model\"").hasSizeLessThan(1024);
    String id = refused.headers().firstValue("x-request-id").orElseThrow();
    // The access line of the refused call, once the server has written it; every line is short.
    String line = awaitLogLine(before, l -> l.contains(id) && l.contains("status=400"));
    assertThat(line).hasSizeLessThan(LOG_LINE_BOUND);
    assertThat(logSince(before).lines())
        .allSatisfy(l -> assertThat(l).hasSizeLessThan(LOG_LINE_BOUND));
  }

  @Test
  @Order(14)
  void aConnectorClaimingTooMuchIsRefusedAndTheBrokerServesOn() throws Exception {
    long before = logSize();
    ConnectorPeer good = attach(NOKEY_TOKEN, "good-model");
    good.autoAnswer(request -> answer(request.id(), "fine"));
    List<String> many = new ArrayList<>(100_000);
    for (int i = 0; i < 100_000; i++) {
      many.add("model-" + i);
    }
    assertRefused(new Hello(1, "greedy", many, 8), "too many models");
    assertRefused(new Hello(1, "long-name", List.of("l".repeat(1 << 20)), 8), "longer than 256");
    assertRefused(new Hello(1, "n".repeat(1 << 20), List.of("named-model"), 8), "connector name");
    // Attached within the bounds, then too many models: closed, and its models are gone.
    ConnectorPeer later = attach(PLAIN_TOKEN, "later-model");
    later.send(new ModelsChanged(many));
    assertThat(later.awaitClose().getCloseCode().getCode()).isEqualTo(1008);
    // The broker stays healthy: the other connector serves on, the model list holds only it.
    assertThat(send("good-model", false).statusCode()).isEqualTo(200);
    assertThat(models())
        .contains("good-model")
        .doesNotContain("model-1\"", "later-model")
        .hasSizeLessThan(4096);
    awaitLogLine(before, l -> l.contains("refused: too many models"));
    assertThat(logSince(before).lines())
        .allSatisfy(l -> assertThat(l).hasSizeLessThan(LOG_LINE_BOUND));
  }

  @Test
  @Order(15)
  void aConnectorsMegabyteErrorReasonReachesTheClientCut() throws Exception {
    long before = logSize();
    ConnectorPeer wordy = attach(NOKEY_TOKEN, "wordy-model");
    // What an LLM's reason could be, passed on by a connector: a megabyte with a line break.
    String reason = "llm says no\n" + "r".repeat(1 << 20);
    wordy.autoAnswer(request -> List.of(new Failure(request.id(), 500, "upstream_error", reason)));
    HttpResponse<String> failed = send("wordy-model", false);
    assertThat(failed.statusCode()).isEqualTo(500);
    assertThat(failed.body())
        .contains("llm says no\\n", "more chars]", "\"code\":\"upstream_error\"")
        .hasSizeLessThan(2048);
    String id = failed.headers().firstValue("x-request-id").orElseThrow();
    awaitLogLine(before, l -> l.contains(id) && l.contains("status=500"));
    assertThat(logSince(before).lines())
        .allSatisfy(l -> assertThat(l).hasSizeLessThan(LOG_LINE_BOUND));
  }

  @Test
  @Order(16)
  void aConnectorsHugeOrMalformedContentTypeBecomesJson() throws Exception {
    ConnectorPeer odd = attach(NOKEY_TOKEN, "odd-type-model");
    String[] types = {"x".repeat(1 << 20), "not a / media type;;=", "text/plain; charset=utf-8"};
    String[] expected = {"application/json", "application/json", "text/plain"};
    for (int i = 0; i < types.length; i++) {
      String type = types[i];
      odd.autoAnswer(
          request ->
              List.of(
                  new Head(request.id(), 200, Map.of("content-type", type)),
                  new Data(request.id(), "{\"ok\":true}"),
                  new End(request.id(), null)));
      HttpResponse<String> answer = send("odd-type-model", false);
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("{\"ok\":true}");
      assertThat(answer.headers().firstValue("content-type").orElseThrow())
          .startsWith(expected[i])
          .hasSizeLessThan(256);
    }
  }

  private void assertRefused(Hello hello, String reason) throws Exception {
    ConnectorPeer peer =
        ConnectorPeer.connect(
            URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws"), PLAIN_TOKEN);
    peers.add(peer);
    peer.send(hello);
    var close = peer.awaitClose();
    assertThat(close.getCloseCode().getCode()).as(reason).isEqualTo(1008);
    assertThat(close.getReasonPhrase()).contains(reason);
  }

  private static String awaitLogLine(long offset, java.util.function.Predicate<String> match) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> logSince(offset).lines().filter(match).findFirst().orElse(null),
            java.util.Objects::nonNull);
  }

  // ---- helpers ---------------------------------------------------------------------------

  private static List<Frame> answer(String id, String text) {
    return List.of(
        new Head(id, 200, Map.of("content-type", "application/json")),
        new Data(id, "{\"text\":\"" + text + "\"}"),
        End.of(id));
  }

  private ConnectorPeer attach(String token, String... models) throws Exception {
    ConnectorPeer peer =
        ConnectorPeer.attach(
            URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws"), token, models);
    peers.add(peer);
    return peer;
  }

  private HttpRequest chat(String model, boolean stream) {
    return HttpRequest.newBuilder(URI.create(base.toString()).resolve("/v1/chat/completions"))
        .timeout(WAIT)
        .header("Authorization", "Bearer " + USER_KEY)
        .header("Content-Type", "application/json")
        .POST(
            HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"" + model + "\",\"stream\":" + stream + "}"))
        .build();
  }

  /** The body of {@code GET /v1/models}. */
  private String models() throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base.toString()).resolve("/v1/models"))
                .timeout(WAIT)
                .header("Authorization", "Bearer " + USER_KEY)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private HttpResponse<String> send(String model, boolean stream) throws Exception {
    return http.send(chat(model, stream), HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> sendAsync(String model, boolean stream) {
    return http.sendAsync(chat(model, stream), HttpResponse.BodyHandlers.ofString());
  }

  /** Payara numbers the file it logs to (payara-it-server.log.0, ...): the newest one. */
  private static Path serverLog() throws Exception {
    Path configured =
        Path.of(System.getProperty("broker.it.serverLog", "target/payara-it-server.log"));
    try (var files = Files.list(configured.toAbsolutePath().getParent())) {
      return files
          .filter(f -> f.getFileName().toString().startsWith(configured.getFileName().toString()))
          .max(java.util.Comparator.comparingLong(f -> f.toFile().lastModified()))
          .orElse(configured);
    }
  }

  private static long logSize() throws Exception {
    return Files.exists(serverLog()) ? Files.size(serverLog()) : 0;
  }

  private static String logSince(long offset) throws Exception {
    byte[] all = Files.readAllBytes(serverLog());
    return new String(
        all,
        (int) Math.min(offset, all.length),
        (int) Math.max(0, all.length - offset),
        java.nio.charset.StandardCharsets.UTF_8);
  }
}
