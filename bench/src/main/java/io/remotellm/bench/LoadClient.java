package io.remotellm.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;

/**
 * The load generator: {@link HttpClient} over HTTP/1.1, asynchronous, so thousands of open streams
 * cost a socket each but no thread. The same client sends to the fake LLM and to the broker, with
 * the same bodies, so that both paths pay the same client-side costs.
 */
final class LoadClient implements AutoCloseable {

  /** Outcome of a closed loop: work units done inside the window (requests or chunks), errors. */
  record Rate(long units, long errors, double seconds, String firstError) {
    double perSecond() {
      return units / seconds;
    }
  }

  /** One stream as the client saw it; {@code error} is null when it arrived whole and in order. */
  record StreamResult(long firstChunkNanos, long totalNanos, int chunks, String error) {}

  private final ExecutorService executor;
  private final HttpClient http;

  LoadClient(int threads) {
    AtomicInteger n = new AtomicInteger();
    executor =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "bench-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    // HTTP/1.1 on purpose: the default (HTTP/2) would send an h2c upgrade header to every new
    // connection, and LLM clients talk HTTP/1.1 to OpenAI-style servers anyway.
    http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(executor)
            .connectTimeout(Duration.ofSeconds(30))
            .build();
  }

  static HttpRequest post(URI uri, String apiKey, String body) {
    return HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + apiKey)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /** One request, waited for; returns its latency in ns, or throws unless the answer was 200. */
  long once(HttpRequest request) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    long took = System.nanoTime() - t0;
    if (response.statusCode() != 200) {
      throw new IOException(
          "status "
              + response.statusCode()
              + ": "
              + abbreviate(new String(response.body(), StandardCharsets.UTF_8)));
    }
    return took;
  }

  /** A non-streaming request; completes with 1 if it ended well before {@code deadline}, else 0. */
  CompletableFuture<Long> request(HttpRequest request, long deadline) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(
            response -> {
              if (response.statusCode() != 200) {
                throw new IllegalStateException(
                    "status "
                        + response.statusCode()
                        + ": "
                        + abbreviate(new String(response.body(), StandardCharsets.UTF_8)));
              }
              return System.nanoTime() < deadline ? 1L : 0L;
            });
  }

  /**
   * A streaming request, checked line by line: the n-th content chunk must say {@code tok<n>}, and
   * {@code data: [DONE]} must come exactly once, last. {@code chunksInWindow} (may be null) counts
   * the chunks that arrive before {@code deadline}; {@code open} (may be null) counts streams that
   * have shown their first chunk and not ended.
   */
  CompletableFuture<StreamResult> stream(
      HttpRequest request,
      int expectedChunks,
      long deadline,
      AtomicLong chunksInWindow,
      Gauge open) {
    StreamCheck check = new StreamCheck(deadline, chunksInWindow, open);
    long t0 = System.nanoTime();
    return http.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(check))
        .handle(
            (response, failure) -> {
              long end = System.nanoTime();
              check.ended();
              String error;
              if (failure != null) {
                error = failure.toString();
              } else if (response.statusCode() != 200) {
                error = "status " + response.statusCode();
              } else {
                error = check.verdict(expectedChunks);
              }
              long first = check.firstChunkAt == 0 ? -1 : check.firstChunkAt - t0;
              return new StreamResult(first, end - t0, check.next, error);
            });
  }

  /**
   * Runs {@code concurrency} loops, each starting its next operation when the last one ends, for
   * {@code duration}; then waits for the ones still running. {@code op} gets the deadline and
   * completes with the units it did inside the window, or fails.
   */
  Rate closedLoop(int concurrency, Duration duration, LongFunction<CompletableFuture<Long>> op)
      throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    AtomicLong units = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      next(deadline, op, units, errors, firstError, done);
    }
    if (!done.await(duration.toSeconds() + 180, TimeUnit.SECONDS)) {
      errors.incrementAndGet();
      firstError.compareAndSet(null, "operations still running 180 s after the window closed");
    }
    return new Rate(units.get(), errors.get(), duration.toNanos() / 1e9, firstError.get());
  }

  private void next(
      long deadline,
      LongFunction<CompletableFuture<Long>> op,
      AtomicLong units,
      AtomicLong errors,
      AtomicReference<String> firstError,
      CountDownLatch done) {
    if (System.nanoTime() >= deadline) {
      done.countDown();
      return;
    }
    CompletableFuture<Long> f;
    try {
      f = op.apply(deadline);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete(
        (u, e) -> {
          if (e != null) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, e.toString());
          } else {
            units.addAndGet(u);
          }
          // Through the executor, so a loop of instant failures cannot grow the stack.
          executor.execute(() -> next(deadline, op, units, errors, firstError, done));
        });
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  /** A count of open streams that remembers its peak. */
  static final class Gauge {
    private final AtomicInteger now = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();

    void up() {
      peak.accumulateAndGet(now.incrementAndGet(), Math::max);
    }

    void down() {
      now.decrementAndGet();
    }

    int now() {
      return now.get();
    }

    int peak() {
      return peak.get();
    }
  }

  /** Reads SSE lines as they arrive; one instance per stream, called by one thread at a time. */
  private static final class StreamCheck implements Flow.Subscriber<String> {
    private static final String TOKEN = "\"content\":\"tok";
    private final long deadline;
    private final AtomicLong chunksInWindow;
    private final Gauge open;
    volatile long firstChunkAt;
    volatile int next;
    private int done;
    private String error;
    private boolean closed;

    StreamCheck(long deadline, AtomicLong chunksInWindow, Gauge open) {
      this.deadline = deadline;
      this.chunksInWindow = chunksInWindow;
      this.open = open;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      if (!line.startsWith("data:")) {
        return; // blank separators and ": keep-alive" comments
      }
      String payload = line.substring(5).trim();
      if (payload.equals("[DONE]")) {
        done++;
        return;
      }
      if (done > 0) {
        fail("data after [DONE]");
        return;
      }
      if (payload.startsWith("{\"error\"")) {
        fail("error event: " + abbreviate(payload));
        return;
      }
      int at = payload.indexOf(TOKEN);
      if (at < 0) {
        return; // the finish_reason chunk, a usage chunk
      }
      int from = at + TOKEN.length();
      int to = from;
      while (to < payload.length() && Character.isDigit(payload.charAt(to))) {
        to++;
      }
      int n = Integer.parseInt(payload.substring(from, to));
      long now = System.nanoTime();
      if (next == 0) {
        firstChunkAt = now;
        if (open != null) {
          open.up();
        }
      }
      if (n != next) {
        fail("chunk tok" + n + " where tok" + next + " was due");
      }
      next++;
      if (chunksInWindow != null && now < deadline) {
        chunksInWindow.incrementAndGet();
      }
    }

    private void fail(String message) {
      if (error == null) {
        error = message;
      }
    }

    @Override
    public void onError(Throwable throwable) {
      fail(throwable.toString());
    }

    @Override
    public void onComplete() {
      // The response future completes after this; verdict() reads the state then.
    }

    synchronized void ended() {
      if (!closed && open != null && firstChunkAt != 0) {
        open.down();
      }
      closed = true;
    }

    String verdict(int expected) {
      if (error != null) {
        return error;
      }
      if (next != expected) {
        return "got " + next + " of " + expected + " chunks";
      }
      if (done != 1) {
        return "[DONE] came " + done + " times";
      }
      return null;
    }
  }
}
