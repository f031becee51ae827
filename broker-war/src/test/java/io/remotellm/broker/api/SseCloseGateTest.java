package io.remotellm.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The close of a stream runs exactly once, and never before the request's dispatch ended. */
class SseCloseGateTest {

  @Test
  void aCloseDuringTheDispatchRunsWhenItEndsOnTheExecutorNotTheRequestThread() {
    SseCloseGate gate = SseCloseGate.dispatching();
    AtomicInteger closes = new AtomicInteger();
    List<Runnable> handedOver = new ArrayList<>();
    gate.close(closes::incrementAndGet, handedOver::add);
    assertThat(closes).hasValue(0);
    assertThat(handedOver).isEmpty();
    gate.dispatchEnded();
    // RESTEasy's close waits for what only the end of the dispatch completes: not on this thread.
    assertThat(closes).hasValue(0);
    assertThat(handedOver).hasSize(1);
    handedOver.get(0).run();
    assertThat(closes).hasValue(1);
  }

  @Test
  void aHeldBackCloseStillRunsWhenTheExecutorRefusesIt() throws Exception {
    SseCloseGate gate = SseCloseGate.dispatching();
    CountDownLatch closed = new CountDownLatch(1);
    Thread requestThread = Thread.currentThread();
    AtomicReference<Thread> closedOn = new AtomicReference<>();
    gate.close(
        () -> {
          closedOn.set(Thread.currentThread());
          closed.countDown();
        },
        task -> {
          throw new RejectedExecutionException("stopping");
        });
    gate.dispatchEnded();
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(closedOn.get()).isNotSameAs(requestThread);
  }

  @Test
  void aCloseAfterTheDispatchRunsAtOnceOnTheCallingThread() {
    SseCloseGate gate = SseCloseGate.dispatching();
    gate.dispatchEnded();
    AtomicReference<Thread> closedOn = new AtomicReference<>();
    gate.close(() -> closedOn.set(Thread.currentThread()), task -> {});
    assertThat(closedOn.get()).isSameAs(Thread.currentThread());
  }

  @Test
  void anOpenGateClosesAtOnce() {
    AtomicInteger closes = new AtomicInteger();
    SseCloseGate.open().close(closes::incrementAndGet, task -> {});
    assertThat(closes).hasValue(1);
  }

  @Test
  void theEndOfADispatchWithNoCloseDoesNothing() {
    SseCloseGate gate = SseCloseGate.dispatching();
    AtomicInteger closes = new AtomicInteger();
    gate.dispatchEnded();
    assertThat(closes).hasValue(0);
    gate.close(closes::incrementAndGet, Runnable::run);
    assertThat(closes).hasValue(1);
  }

  @RepeatedTest(200)
  void racingCloseAndDispatchEndCloseExactlyOnce() throws Exception {
    SseCloseGate gate = SseCloseGate.dispatching();
    AtomicInteger closes = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    Thread writer =
        new Thread(
            () -> {
              await(start);
              gate.close(closes::incrementAndGet, Runnable::run);
            });
    writer.start();
    start.countDown();
    gate.dispatchEnded();
    writer.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(closes).hasValue(1);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
