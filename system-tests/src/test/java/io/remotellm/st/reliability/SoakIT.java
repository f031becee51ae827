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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The soak run, by hand: {@code -Dsoak.minutes=30} (see docs/reliability.md). Mixed traffic
 * (streamed and buffered, short and long, clients that leave early, unknown models, wrong keys)
 * through one broker while three connectors come and go (one is SIGKILLed and restarted every few
 * minutes, one stopped politely and restarted); the broker's live heap is sampled every 30 s with
 * {@code jcmd GC.class_histogram} (reachable objects only) and must end where it started.
 */
@EnabledIfSystemProperty(named = "soak.minutes", matches = "\\d+")
class SoakIT {

  static final String USER_KEY = FaultsIT.secret("sk-soak-user-");
  static final List<String> TOKENS =
      List.of(
          FaultsIT.secret("ct-soak-1-"),
          FaultsIT.secret("ct-soak-2-"),
          FaultsIT.secret("ct-soak-3-"));

  @Test
  void heapStaysFlatUnderMixedTrafficWithConnectorsComingAndGoing() throws Exception {
    int minutes = Integer.getInteger("soak.minutes");
    int concurrency = Integer.getInteger("soak.concurrency", 50);
    Map<String, String> tokens = new LinkedHashMap<>();
    TOKENS.forEach(t -> tokens.put(t, ""));
    try (FakeLlm llm = FakeLlm.start()) {
      llm.script(FakeLlm.Script.defaults().withChunks(20).withChunkDelay(Duration.ofMillis(20)));
      int port = FreePort.next();
      Path config = ProductRun.writeConnectorConfig(tokens);
      ProductProcess broker =
          ProductProcess.start(
              "soak-broker",
              "remotellm-broker",
              List.of(
                  "--host",
                  "127.0.0.1",
                  "--port",
                  String.valueOf(port),
                  "--health-port",
                  String.valueOf(FreePort.next()),
                  "--connector-config",
                  config.toString()),
              Map.of(
                  "REMOTELLM_BROKER_USER_API_KEYS",
                  USER_KEY,
                  "REMOTELLM_BROKER_UPSTREAM_TIMEOUT_SECONDS",
                  "10"));
      List<ProductProcess> connectors = new ArrayList<>();
      try {
        ProductRun.awaitBroker(broker, port, USER_KEY);
        for (int i = 0; i < 3; i++) {
          connectors.add(startConnector(llm, port, i));
        }
        List<String> samples = new ArrayList<>();
        List<Long> heap = new ArrayList<>();
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Thread traffic =
            new Thread(() -> traffic(http, port, concurrency, running, statuses), "soak-traffic");
        traffic.start();
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
        long started = System.nanoTime();
        int round = 0;
        while (System.nanoTime() < end) {
          Thread.sleep(30_000);
          round++;
          if (round % 6 == 0) {
            connectors.get(0).kill(); // a crash
            connectors.set(0, startConnector(llm, port, 0));
          } else if (round % 6 == 3) {
            connectors.get(1).close(); // a polite stop
            connectors.set(1, startConnector(llm, port, 1));
          }
          long kb = heapKb(broker);
          heap.add(kb);
          String line =
              String.format(
                  "t=%ds live heap %d KB statuses %s",
                  TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started),
                  kb,
                  new java.util.TreeMap<>(statuses));
          samples.add(line);
          System.out.println("[soak] " + line);
        }
        running.set(false);
        traffic.join(60_000);
        Thread.sleep(5_000);
        long after = heapKb(broker);
        samples.add("after the traffic stopped: live heap " + after + " KB");
        Files.write(ProductProcess.logDir().resolve("SoakIT-heap.txt"), samples);
        assertThat(statuses.getOrDefault(500, 0)).isZero();
        // Flat: the last third of the samples is not above the first third by more than 20 MB.
        int third = Math.max(1, heap.size() / 3);
        long first = heap.subList(0, third).stream().mapToLong(Long::longValue).max().orElse(0);
        long last =
            heap.subList(heap.size() - third, heap.size()).stream()
                .mapToLong(Long::longValue)
                .min()
                .orElse(0);
        assertThat(last)
            .as("live heap, first third max vs last third min (KB)")
            .isLessThan(first + 20 * 1024);
      } finally {
        connectors.forEach(ProductProcess::close);
        broker.close();
      }
    }
  }

  static ProductProcess startConnector(FakeLlm llm, int port, int i) {
    return ProductRun.startConnector(
        "soak-connector-" + i,
        llm.baseUrl().toString(),
        port,
        TOKENS.get(i),
        FreePort.next(),
        List.of("fake-model", "model-" + i),
        List.of());
  }

  /** Keeps {@code concurrency} requests in flight, of every kind, until told to stop. */
  static void traffic(
      HttpClient http,
      int port,
      int concurrency,
      AtomicBoolean running,
      Map<Integer, Integer> statuses) {
    Random random = new Random(42);
    Semaphore slots = new Semaphore(concurrency);
    int n = 0;
    while (running.get()) {
      try {
        slots.acquire();
      } catch (InterruptedException e) {
        return;
      }
      int kind = random.nextInt(10);
      String model =
          kind == 0 ? "no-such-model" : (kind < 4 ? "model-" + random.nextInt(3) : "fake-model");
      boolean stream = random.nextBoolean();
      String extra = kind == 9 ? ",\"fake_llm\":{\"chunks\":200,\"chunk_delay_ms\":20}" : "";
      String key = kind == 8 && random.nextBoolean() ? "sk-wrong" : USER_KEY;
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
              .header("Authorization", "Bearer " + key)
              .header("Content-Type", "application/json")
              .header("x-request-id", "soak-" + n++)
              .timeout(
                  Duration.ofSeconds(kind == 7 ? 1 : 60)) // kind 7: a client that gives up early
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      "{\"model\":\""
                          + model
                          + "\",\"stream\":"
                          + stream
                          + ",\"messages\":[{\"role\":\"user\",\"content\":\"soak\"}]"
                          + extra
                          + "}"))
              .build();
      http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
          .whenComplete(
              (response, error) -> {
                slots.release();
                statuses.merge(error != null ? -1 : response.statusCode(), 1, Integer::sum);
              });
    }
  }

  static long heapKb(ProductProcess broker) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), String.valueOf(broker.pid()), "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    Matcher m = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(out);
    return m.find() ? Long.parseLong(m.group(1)) / 1024 : -1;
  }
}
