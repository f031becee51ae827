package io.remotellm.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The forwarded answer's backlog is bounded: a forwarding broker that stops reading is dropped (and
 * the request cancelled) instead of this broker queueing the LLM's whole answer.
 */
class ForwardedSinkTest {

  private final ExecutorService writers = Executors.newSingleThreadExecutor();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch writing = new CountDownLatch(1);
  private final ByteArrayOutputStream written = new ByteArrayOutputStream();
  private final AtomicBoolean completed = new AtomicBoolean();
  private final AtomicInteger flushes = new AtomicInteger();

  @AfterEach
  void stop() {
    release.countDown();
    writers.shutdownNow();
  }

  /** An output stream whose first write blocks until released: a peer that stopped reading. */
  private final ServletOutputStream stalled =
      new ServletOutputStream() {
        @Override
        public void write(int b) {
          written.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          writing.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          written.write(b, off, len);
        }

        @Override
        public void flush() {
          flushes.incrementAndGet();
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {}
      };

  private AsyncContext async() {
    ServletResponse response =
        (ServletResponse)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {ServletResponse.class},
                (p, m, a) -> m.getName().equals("getOutputStream") ? stalled : null);
    return (AsyncContext)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {AsyncContext.class},
            (p, m, a) -> {
              switch (m.getName()) {
                case "getResponse":
                  return response;
                case "complete":
                  completed.set(true);
                  return null;
                default:
                  return null;
              }
            });
  }

  @Test
  void aPeerThatStopsReadingIsDroppedOnceTheBacklogPassesTheBound() throws Exception {
    ForwardedSink sink = new ForwardedSink(async(), true, writers, 4_000);
    AtomicBoolean cancelled = new AtomicBoolean();
    sink.onClientGone(() -> cancelled.set(true));
    sink.head(200, java.util.Map.of("content-type", "text/event-stream"));
    assertThat(writing.await(5, TimeUnit.SECONDS)).isTrue();
    String chunk = "x".repeat(1_000);
    for (int i = 0; i < 3; i++) {
      sink.data(chunk);
    }
    assertThat(cancelled).as("3,000 bytes waiting is under the bound").isFalse();
    sink.data(chunk);
    sink.data(chunk);
    assertThat(cancelled).as("past 4,000 bytes waiting the peer is gone").isTrue();
    assertThat(completed).isTrue();
  }

  @Test
  void aPeerThatReadsGetsEveryLineWhateverTheAnswersSize() throws Exception {
    ForwardedSink sink = new ForwardedSink(async(), true, writers, 4_000);
    AtomicBoolean cancelled = new AtomicBoolean();
    sink.onClientGone(() -> cancelled.set(true));
    release.countDown();
    String chunk = "y".repeat(1_000);
    for (int i = 0; i < 50; i++) {
      sink.data(chunk);
      // A reading peer keeps the backlog small: wait for the writer between lines.
      awaitWritten((i + 1) * 1_000);
    }
    sink.end();
    writers.shutdown();
    assertThat(writers.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    assertThat(cancelled).isFalse();
    assertThat(written.toString()).contains(chunk).hasSizeGreaterThan(50_000);
  }

  @Test
  void anAnswerThatIsNotStreamedGoesBackInOneWriteAtItsEnd() throws Exception {
    // Written on the caller's thread, so each line would be flushed as it comes if not held.
    ForwardedSink sink = new ForwardedSink(async(), false, Runnable::run, 64 * 1024);
    release.countDown();
    sink.head(200, java.util.Map.of("content-type", "application/json"));
    sink.data("{\"answer\":1}");
    assertThat(written.size()).isZero();
    sink.end();
    assertThat(written.toString()).contains("\"head\"", "answer", "\"end\"");
    assertThat(flushes).as("head, body and end in one flush").hasValue(1);
  }

  @Test
  void aLargeAnswerThatIsNotStreamedGoesAsItComesWithinTheBound() throws Exception {
    ForwardedSink sink = new ForwardedSink(async(), false, writers, 64 * 1024);
    AtomicBoolean cancelled = new AtomicBoolean();
    sink.onClientGone(() -> cancelled.set(true));
    release.countDown();
    String chunk = "z".repeat(1_000);
    for (int i = 0; i < 200; i++) {
      sink.data(chunk);
      // A reading peer: never more than 40 KB behind (the sink starts writing at 32 KiB held).
      awaitWritten((i + 1) * 1_000 - 40_000);
    }
    sink.end();
    writers.shutdown();
    assertThat(writers.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    assertThat(cancelled).isFalse();
    assertThat(written.size()).isGreaterThan(200_000);
    assertThat(flushes.get()).isGreaterThan(1);
  }

  /** Waits (5 s at most) until the peer has read {@code bytes}. */
  private void awaitWritten(long bytes) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (written.size() < bytes && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
  }
}
