package io.remotellm.broker.relay;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SessionConnectorSocketTest {

  /** A socket whose sends complete when the test says so, or at once inside sendText. */
  private static final class FakeSocket {
    final List<String> sent = new ArrayList<>();
    final List<SendHandler> pending = new ArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    volatile int maxInFlight;
    volatile boolean completeInCall;

    Session session() {
      RemoteEndpoint.Async async =
          (RemoteEndpoint.Async)
              Proxy.newProxyInstance(
                  getClass().getClassLoader(),
                  new Class<?>[] {RemoteEndpoint.Async.class},
                  (proxy, method, args) -> {
                    if (method.getName().equals("sendText") && args.length == 2) {
                      int now = inFlight.incrementAndGet();
                      maxInFlight = Math.max(maxInFlight, now);
                      SendHandler handler = (SendHandler) args[1];
                      synchronized (this) {
                        sent.add((String) args[0]);
                      }
                      if (completeInCall) {
                        inFlight.decrementAndGet();
                        handler.onResult(new SendResult());
                      } else {
                        synchronized (this) {
                          pending.add(handler);
                        }
                      }
                      return null;
                    }
                    if (method.getName().equals("sendPing")) {
                      // Open Liberty's rule: no write while another is in progress.
                      if (inFlight.get() > 0) {
                        throw new IllegalStateException("write not allowed");
                      }
                      synchronized (this) {
                        sent.add("PING");
                      }
                      return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                  });
      return (Session)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {Session.class},
              (proxy, method, args) -> {
                if (method.getName().equals("getAsyncRemote")) {
                  return async;
                }
                throw new UnsupportedOperationException(method.getName());
              });
    }

    /** Completes the one send in flight, as the container would on another thread. */
    void completeOne() {
      SendHandler handler;
      synchronized (this) {
        handler = pending.remove(0);
      }
      inFlight.decrementAndGet();
      handler.onResult(new SendResult());
    }

    synchronized int pendingCount() {
      return pending.size();
    }
  }

  @Test
  void sendsOneAtATimeInOrder() throws Exception {
    FakeSocket socket = new FakeSocket();
    SessionConnectorSocket sender = new SessionConnectorSocket(socket.session());
    List<CompletableFuture<Void>> results = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      results.add(sender.send("f" + i).toCompletableFuture());
    }
    assertThat(socket.sent).containsExactly("f0");
    for (int i = 0; i < 5; i++) {
      assertThat(results.get(i)).isNotDone();
      socket.completeOne();
      assertThat(results.get(i)).isCompleted();
    }
    assertThat(socket.sent).containsExactly("f0", "f1", "f2", "f3", "f4");
    assertThat(socket.maxInFlight).isEqualTo(1);
  }

  @Test
  void aPingWaitsForTheSendInFlightAndGoesBeforeTheNext() {
    FakeSocket socket = new FakeSocket();
    SessionConnectorSocket sender = new SessionConnectorSocket(socket.session());
    CompletableFuture<Void> first = sender.send("f0").toCompletableFuture();
    sender.ping();
    CompletableFuture<Void> second = sender.send("f1").toCompletableFuture();
    assertThat(socket.sent).containsExactly("f0");
    socket.completeOne();
    assertThat(socket.sent).containsExactly("f0", "PING", "f1");
    socket.completeOne();
    assertThat(first).isCompleted();
    assertThat(second).isCompleted();
    assertThat(socket.maxInFlight).isEqualTo(1);
  }

  @Test
  void sendsThatCompleteInsideTheCallDoNotRecurse() {
    FakeSocket socket = new FakeSocket();
    socket.completeInCall = true;
    SessionConnectorSocket sender = new SessionConnectorSocket(socket.session(), 1_000_000);
    for (int i = 0; i < 100_000; i++) {
      assertThat(sender.send("f" + i).toCompletableFuture()).isCompleted();
    }
    assertThat(socket.sent).hasSize(100_000);
  }

  @Test
  void aFullQueueFailsTheSendAtOnce() {
    FakeSocket socket = new FakeSocket();
    SessionConnectorSocket sender = new SessionConnectorSocket(socket.session(), 2);
    CompletableFuture<Void> first = sender.send("in flight").toCompletableFuture();
    sender.send("queued 1");
    sender.send("queued 2");
    CompletableFuture<Void> overflow = sender.send("too many").toCompletableFuture();
    assertThat(overflow).isCompletedExceptionally();
    assertThat(overflow.handle((v, e) -> e.getMessage()).join()).contains("not keeping up");
    socket.completeOne();
    assertThat(first).isCompleted();
    assertThat(sender.send("room again").toCompletableFuture()).isNotCompletedExceptionally();
  }

  @Test
  void concurrentSendersKeepOneSendInFlight() throws Exception {
    FakeSocket socket = new FakeSocket();
    SessionConnectorSocket sender = new SessionConnectorSocket(socket.session());
    int threads = 8;
    int each = 500;
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Void>> all = new ArrayList<>();
    List<java.util.concurrent.Future<?>> producers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      producers.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < each; i++) {
                  CompletableFuture<Void> f = sender.send(thread + ":" + i).toCompletableFuture();
                  synchronized (all) {
                    all.add(f);
                  }
                }
                return null;
              }));
    }
    start.countDown();
    int completed = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (completed < threads * each && System.nanoTime() < deadline) {
      if (socket.pendingCount() > 0) {
        socket.completeOne();
        completed++;
      } else {
        Thread.onSpinWait();
      }
    }
    for (var p : producers) {
      p.get(5, TimeUnit.SECONDS);
    }
    pool.shutdownNow();
    assertThat(completed).isEqualTo(threads * each);
    assertThat(socket.maxInFlight).isEqualTo(1);
    synchronized (all) {
      assertThat(all).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    }
    // Each producer's frames went out in the order it sent them.
    for (int t = 0; t < threads; t++) {
      String prefix = t + ":";
      List<String> mine = socket.sent.stream().filter(s -> s.startsWith(prefix)).toList();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < each; i++) {
        expected.add(prefix + i);
      }
      assertThat(mine).isEqualTo(expected);
    }
  }
}
