package io.remotellm.st.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.testsupport.FakeLlm;
import java.net.URI;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 2,000 streams open at once through one connector, each chunk numbered by the fake LLM ("tok<n>
 * "): every stream must arrive whole, each chunk once and in order. The client is the JDK's
 * HttpClient on HTTP/1.1, asynchronous, one connection per stream.
 */
class LoadIT {

  static final int STREAMS = Integer.getInteger("load.streams", 2000);
  static final int CHUNKS = 30;
  static final int CHUNK_DELAY_MS = 200;
  static final String USER_KEY = FaultsIT.secret("sk-load-user-");
  static final String TOKEN = FaultsIT.secret("ct-load-");
  static final Pattern TOKEN_PATTERN = Pattern.compile("\"content\":\"tok(\\d+) \"");

  static FakeLlm llm;
  static ProductProcess broker;
  static ProductProcess connector;
  static int brokerPort;

  @BeforeAll
  static void start() throws Exception {
    llm = FakeLlm.start();
    // Every stream is paced: 30 chunks 200 ms apart keep all 2,000 open at the same time.
    llm.script(
        FakeLlm.Script.defaults()
            .withChunks(CHUNKS)
            .withChunkDelay(Duration.ofMillis(CHUNK_DELAY_MS)));
    brokerPort = FreePort.next();
    int health = FreePort.next();
    Path config = ProductRun.writeConnectorConfig(Map.of(TOKEN, ""));
    broker =
        ProductProcess.start(
            "load-broker",
            "remotellm-broker",
            List.of(
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(brokerPort),
                "--health-port",
                String.valueOf(health),
                "--connector-config",
                config.toString()),
            Map.of("REMOTELLM_BROKER_USER_API_KEYS", USER_KEY));
    ProductRun.awaitBroker(broker, brokerPort, USER_KEY);
    int connectorHealth = FreePort.next();
    connector =
        ProductRun.startConnector(
            "load-connector",
            llm.baseUrl().toString(),
            brokerPort,
            TOKEN,
            connectorHealth,
            List.of("fake-model"),
            // All 2,000 at the LLM at once: the fake LLM takes them, unlike a real local one.
            List.of(
                "--capacity",
                String.valueOf(STREAMS * 2),
                "--llm-connections",
                String.valueOf(STREAMS * 2)));
    ProductRun.awaitReady(connector, connectorHealth, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    if (connector != null) {
      connector.close();
    }
    if (broker != null) {
      broker.close();
    }
    if (llm != null) {
      llm.close();
    }
  }

  @Test
  void twoThousandConcurrentStreamsLoseDuplicateAndReorderNothing() throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30))
            .build();
    // Warm-up: the first requests of a JVM pay for class loading.
    List<CompletableFuture<?>> warm = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      warm.add(
          http.sendAsync(
              request(http, "load-warm-" + i, ",\"fake_llm\":{\"chunk_delay_ms\":0}"),
              HttpResponse.BodyHandlers.ofString()));
    }
    CompletableFuture.allOf(warm.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    llm.reset();
    AtomicLong firstDone = new AtomicLong(Long.MAX_VALUE);
    AtomicInteger lost = new AtomicInteger();
    AtomicInteger duplicated = new AtomicInteger();
    AtomicInteger reordered = new AtomicInteger();
    Map<String, String> failures = new ConcurrentHashMap<>();
    List<CompletableFuture<?>> all = new ArrayList<>();
    long started = System.nanoTime();
    for (int i = 0; i < STREAMS; i++) {
      String id = "load-" + i;
      all.add(
          http.sendAsync(request(http, id, ""), HttpResponse.BodyHandlers.ofString())
              .whenComplete(
                  (response, error) -> {
                    firstDone.accumulateAndGet(System.nanoTime(), Math::min);
                    if (error != null) {
                      failures.put(id, error.toString());
                      return;
                    }
                    if (response.statusCode() != 200) {
                      failures.put(id, "status " + response.statusCode());
                      return;
                    }
                    check(response.body(), lost, duplicated, reordered, failures, id);
                  }));
    }
    boolean allArrived = llm.awaitChatRequests(STREAMS, Duration.ofSeconds(60));
    long allOpen = System.nanoTime();
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .handle((v, e) -> null)
        .get(180, TimeUnit.SECONDS);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    String figure =
        String.format(
            "%d streams x %d chunks through one connector: %d ms in all, all %d at the LLM after %d ms,"
                + " first stream done after %d ms; failed %d, lost %d, duplicated %d, reordered %d",
            STREAMS,
            CHUNKS,
            millis,
            llm.chatCount(),
            TimeUnit.NANOSECONDS.toMillis(allOpen - started),
            TimeUnit.NANOSECONDS.toMillis(firstDone.get() - started),
            failures.size(),
            lost.get(),
            duplicated.get(),
            reordered.get());
    System.out.println("[figure] " + figure);
    Files.writeString(ProductProcess.logDir().resolve("LoadIT-figures.txt"), figure + "\n");
    assertThat(failures).isEmpty();
    assertThat(allArrived).isTrue();
    assertThat(firstDone.get()).as("all streams were open at once").isGreaterThan(allOpen);
    assertThat(lost.get()).isZero();
    assertThat(duplicated.get()).isZero();
    assertThat(reordered.get()).isZero();
    // 2,000 requests' worth of log lines, and not one of them holds the key or the token.
    assertThat(broker.output()).contains("load-" + (STREAMS - 1));
    for (ProductProcess p : List.of(broker, connector)) {
      assertThat(p.output()).as(p.name()).doesNotContain(USER_KEY).doesNotContain(TOKEN);
    }
  }

  static void check(
      String body,
      AtomicInteger lost,
      AtomicInteger duplicated,
      AtomicInteger reordered,
      Map<String, String> failures,
      String id) {
    List<Integer> tokens = new ArrayList<>();
    Matcher m = TOKEN_PATTERN.matcher(body);
    while (m.find()) {
      tokens.add(Integer.parseInt(m.group(1)));
    }
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    int last = -1;
    for (int t : tokens) {
      if (!seen.add(t)) {
        duplicated.incrementAndGet();
      } else if (t < last) {
        reordered.incrementAndGet();
      }
      last = Math.max(last, t);
    }
    for (int i = 0; i < CHUNKS; i++) {
      if (!seen.contains(i)) {
        lost.incrementAndGet();
      }
    }
    long done = body.lines().filter(l -> l.equals("data: [DONE]")).count();
    if (done != 1) {
      failures.put(id, done + " [DONE] lines");
    }
  }

  static HttpRequest request(HttpClient http, String id, String extra) {
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + brokerPort + "/v1/chat/completions"))
        .header("Authorization", "Bearer " + USER_KEY)
        .header("Content-Type", "application/json")
        .header("x-request-id", id)
        .timeout(Duration.ofSeconds(120))
        .POST(
            HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"fake-model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"n\"}]"
                    + extra
                    + "}"))
        .build();
  }
}
