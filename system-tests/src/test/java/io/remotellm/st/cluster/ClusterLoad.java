package io.remotellm.st.cluster;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Clients calling OpenAI's chat API through every broker of a cluster, streamed and not, each
 * request slow enough (the fake LLM told to pace its answer) that some are always in flight, until
 * stopped; every request's outcome is kept for the test to judge.
 */
final class ClusterLoad implements AutoCloseable {

  /** What came of one request. */
  enum Verdict {
    /** 200 with a whole answer. */
    OK,
    /** An error status with the API's error body, or a stream ended by the API's error event. */
    CLEAN_ERROR,
    /** The connection broke (only acceptable from a broker that was killed). */
    BROKEN,
    /** No answer within the request timeout. */
    HANG,
    /** 200, but the answer stopped without its end or an error event. */
    TRUNCATED
  }

  /** One request: through which broker, for which model, from when to when, and what came. */
  record Outcome(
      int broker, String model, boolean stream, long started, long ended, int status, Verdict v) {
    boolean inFlightAt(long nanos) {
      return started < nanos && ended > nanos;
    }

    long millis() {
      return (ended - started) / 1_000_000;
    }
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final int[] ports;
  private final String key;
  private final List<String> models;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
  private final ExecutorService clients;

  /** Starts {@code perBroker} clients on each broker, each going round {@code models}. */
  ClusterLoad(int[] ports, String key, List<String> models, int perBroker) {
    this.ports = ports.clone();
    this.key = key;
    this.models = List.copyOf(models);
    clients = Executors.newFixedThreadPool(ports.length * perBroker);
    for (int b = 0; b < ports.length; b++) {
      for (int c = 0; c < perBroker; c++) {
        int broker = b;
        int offset = c;
        clients.execute(() -> run(broker, offset));
      }
    }
  }

  private void run(int broker, int offset) {
    for (int n = offset; !stop.get(); n++) {
      String model = models.get(n % models.size());
      boolean stream = (n / models.size()) % 2 == 0;
      Outcome outcome = call(broker, model, stream);
      outcomes.add(outcome);
      if (outcome.v() == Verdict.BROKEN) {
        pause(); // a dead broker refuses at once: do not spin on it
      }
    }
  }

  private Outcome call(int broker, String model, boolean stream) {
    // Streams: 10 chunks 150 ms apart; plain answers: 800 ms before the first byte.
    String pace =
        stream
            ? ",\"fake_llm\":{\"chunks\":10,\"chunk_delay_ms\":150}}"
            : ",\"fake_llm\":{\"first_byte_delay_ms\":800}}";
    String body = ClusterCalls.openAi(model, stream);
    body = body.substring(0, body.length() - 1) + pace;
    long started = System.nanoTime();
    int status = 0;
    Verdict verdict;
    try {
      HttpResponse<String> r =
          ClusterCalls.sendOrThrow(
              ClusterCalls.request(ports[broker], "/v1/chat/completions", key, body, TIMEOUT));
      status = r.statusCode();
      verdict = judge(status, r.body(), stream);
    } catch (HttpTimeoutException e) {
      verdict = Verdict.HANG;
    } catch (IOException e) {
      verdict = Verdict.BROKEN;
    }
    return new Outcome(broker, model, stream, started, System.nanoTime(), status, verdict);
  }

  static Verdict judge(int status, String body, boolean stream) {
    boolean error = body.contains("\"error\"");
    if (status != 200) {
      return error ? Verdict.CLEAN_ERROR : Verdict.TRUNCATED;
    }
    if (error) {
      return Verdict.CLEAN_ERROR;
    }
    boolean whole = stream ? body.contains("data: [DONE]") : body.contains("\"choices\"");
    return whole ? Verdict.OK : Verdict.TRUNCATED;
  }

  private static void pause() {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** How many requests have finished so far. */
  int finished() {
    return outcomes.size();
  }

  /** Stops the clients after their current request; returns every outcome. */
  List<Outcome> stop() throws InterruptedException {
    stop.set(true);
    clients.shutdown();
    if (!clients.awaitTermination(TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS)) {
      throw new AssertionError("load clients did not finish within their request timeout");
    }
    synchronized (outcomes) {
      return List.copyOf(outcomes);
    }
  }

  /**
   * Prints how the requests came out, by broker, model and verdict, and the slowest of those that
   * needed neither the killed broker nor its connectors ({@code elsewhere}).
   */
  static void print(String who, List<Outcome> outcomes, long killed, Predicate<Outcome> elsewhere) {
    Map<String, Long> counts =
        outcomes.stream()
            .collect(
                Collectors.groupingBy(
                    o ->
                        "broker "
                            + o.broker()
                            + " "
                            + o.model()
                            + (o.inFlightAt(killed) ? " in flight at kill " : " ")
                            + o.v()
                            + (o.status() == 0 ? "" : " " + o.status()),
                    TreeMap::new,
                    Collectors.counting()));
    counts.forEach((k, n) -> System.out.println(who + ": " + k + ": " + n));
    outcomes.stream()
        .filter(elsewhere)
        .mapToLong(Outcome::millis)
        .max()
        .ifPresent(ms -> System.out.println(who + ": slowest request elsewhere " + ms + " ms"));
  }

  @Override
  public void close() {
    stop.set(true);
    clients.shutdownNow();
  }
}
