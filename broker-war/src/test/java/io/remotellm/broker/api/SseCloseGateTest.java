package io.remotellm.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The close of a stream runs exactly once, and never before the request's dispatch ended. */
class SseCloseGateTest {

  @Test
  void aCloseDuringTheDispatchRunsWhenItEnds() {
    SseCloseGate gate = SseCloseGate.dispatching();
    AtomicInteger closes = new AtomicInteger();
    gate.close(closes::incrementAndGet);
    assertThat(closes).hasValue(0);
    gate.dispatchEnded();
    assertThat(closes).hasValue(1);
  }

  @Test
  void anOpenGateClosesAtOnce() {
    AtomicInteger closes = new AtomicInteger();
    SseCloseGate.open().close(closes::incrementAndGet);
    assertThat(closes).hasValue(1);
  }

  @Test
  void theEndOfADispatchWithNoCloseDoesNothing() {
    SseCloseGate gate = SseCloseGate.dispatching();
    AtomicInteger closes = new AtomicInteger();
    gate.dispatchEnded();
    assertThat(closes).hasValue(0);
    gate.close(closes::incrementAndGet);
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
              gate.close(closes::incrementAndGet);
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
