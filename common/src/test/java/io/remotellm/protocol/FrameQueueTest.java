package io.remotellm.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class FrameQueueTest {

  private static final FrameCodec CODEC = new FrameCodec();

  @AfterAll
  static void close() {
    CODEC.close();
  }

  /** A socket whose sends complete when the test says so, or at once inside sendText. */
  private static final class FakeSocket implements FrameQueue.TextSender {
    final List<String> sent = new ArrayList<>();
    final List<Consumer<Throwable>> pending = new ArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    volatile int maxInFlight;
    volatile boolean completeInCall;

    @Override
    public void sendText(String text, Consumer<Throwable> done) {
      maxInFlight = Math.max(maxInFlight, inFlight.incrementAndGet());
      synchronized (this) {
        sent.add(text);
      }
      if (completeInCall) {
        inFlight.decrementAndGet();
        done.accept(null);
      } else {
        synchronized (this) {
          pending.add(done);
        }
      }
    }

    void completeOne(Throwable error) {
      Consumer<Throwable> done;
      synchronized (this) {
        done = pending.remove(0);
      }
      inFlight.decrementAndGet();
      done.accept(error);
    }

    synchronized int pendingCount() {
      return pending.size();
    }

    /** Every frame sent, batches unpacked, in the order they went out. */
    synchronized List<Frame> frames() throws ProtocolException {
      List<Frame> out = new ArrayList<>();
      for (String text : sent) {
        Frame f = CODEC.decode(text);
        if (f instanceof Batch b) {
          out.addAll(b.frames());
        } else {
          out.add(f);
        }
      }
      return out;
    }
  }

  private static String data(String id, int n) {
    return CODEC.encode(new Data(id, "tok" + n));
  }

  @Test
  void withoutBatchingEveryFrameIsItsOwnMessage() {
    FakeSocket socket = new FakeSocket();
    FrameQueue queue = new FrameQueue(socket, 100, 32 * 1024);
    for (int i = 0; i < 4; i++) {
      queue.offer(data("a", i), null);
    }
    assertThat(socket.sent).containsExactly(data("a", 0));
    for (int i = 0; i < 4; i++) {
      socket.completeOne(null);
    }
    assertThat(socket.sent).containsExactly(data("a", 0), data("a", 1), data("a", 2), data("a", 3));
    assertThat(socket.maxInFlight).isEqualTo(1);
  }

  @Test
  void aLoneFrameOnAnIdleSocketGoesOutAsItself() {
    FakeSocket socket = new FakeSocket();
    FrameQueue queue = new FrameQueue(socket, 100, 32 * 1024);
    queue.batching(true);
    queue.offer(data("a", 0), null);
    assertThat(socket.sent).containsExactly(data("a", 0));
  }

  @Test
  void framesThatWaitWhileASendIsInProgressLeaveAsOneBatchInOrder() throws Exception {
    FakeSocket socket = new FakeSocket();
    FrameQueue queue = new FrameQueue(socket, 100, 32 * 1024);
    queue.batching(true);
    List<Integer> told = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      int n = i;
      queue.offer(data(i % 2 == 0 ? "a" : "b", i), error -> told.add(error == null ? n : -1));
    }
    assertThat(socket.sent).hasSize(1);
    socket.completeOne(null);
    assertThat(told).containsExactly(0);
    assertThat(socket.sent).hasSize(2);
    assertThat(CODEC.decode(socket.sent.get(1))).isInstanceOf(Batch.class);
    socket.completeOne(null);
    assertThat(told).containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(socket.frames())
        .containsExactly(
            new Data("a", "tok0"),
            new Data("b", "tok1"),
            new Data("a", "tok2"),
            new Data("b", "tok3"),
            new Data("a", "tok4"),
            new Data("b", "tok5"));
    assertThat(queue.size()).isZero();
  }

  @Test
  void aGroupOnAnIdleSocketIsOneMessage() throws Exception {
    FakeSocket socket = new FakeSocket();
    FrameQueue queue = new FrameQueue(socket, 100, 32 * 1024);
    queue.batching(true);
    AtomicInteger told = new AtomicInteger();
    queue.offerAll(
        List.of(
            CODEC.encode(new Head("r", 200, java.util.Map.of())),
            data("r", 0),
            CODEC.encode(End.of("r"))),
        error -> told.incrementAndGet());
    assertThat(socket.sent).hasSize(1);
    socket.completeOne(null);
    assertThat(told).hasValue(1);
    assertThat(socket.frames())
        .containsExactly(
            new Head("r", 200, java.util.Map.of()), new Data("r", "tok0"), End.of("r"));
  }

  @Test
  void batchesStayWithinTheirSizeAndALargeFrameGoesAlone() throws Exception {
    FakeSocket socket = new FakeSocket();
    int max = 1000;
    FrameQueue queue = new FrameQueue(socket, 1000, max);
    queue.batching(true);
    queue.offer(data("a", 0), null);
    String large = CODEC.encode(new Data("big", "x".repeat(5000)));
    for (int i = 1; i <= 60; i++) {
      queue.offer(i == 30 ? large : data("a", i), null);
    }
    while (socket.pendingCount() > 0) {
      socket.completeOne(null);
    }
    assertThat(socket.sent).contains(large);
    for (String text : socket.sent) {
      assertThat(text.length() <= max || text.equals(large)).as(text).isTrue();
    }
    assertThat(socket.sent.size()).isLessThan(20);
    List<Frame> frames = socket.frames();
    assertThat(frames).hasSize(61);
    for (int i = 0; i <= 60; i++) {
      assertThat(frames.get(i))
          .isEqualTo(i == 30 ? new Data("big", "x".repeat(5000)) : new Data("a", "tok" + i));
    }
  }

  @Test
  void actionsRunInTurnAndEndABatch() {
    FakeSocket socket = new FakeSocket();
    FrameQueue queue = new FrameQueue(socket, 100, 32 * 1024);
    queue.batching(true);
    List<String> order = new ArrayList<>();
    queue.offer(data("a", 0), e -> order.add("0"));
    queue.offer(data("a", 1), e -> order.add("1"));
    queue.then(() -> order.add("ping"), e -> order.add("ping done"));
    queue.offer(data("a", 2), e -> order.add("2"));
    socket.completeOne(null);
    assertThat(order).containsExactly("0");
    socket.completeOne(null);
    assertThat(order).containsExactly("0", "1", "ping", "ping done");
    socket.completeOne(null);
    assertThat(order).containsExactly("0", "1", "ping", "ping done", "2");
    assertThat(socket.sent).containsExactly(data("a", 0), data("a", 1), data("a", 2));
  }

  @Test
  void aFailedSendFailsEveryFrameOfItsBatch() {
    FakeSocket socket = new FakeSocket();
    FrameQueue queue = new FrameQueue(socket, 100, 32 * 1024);
    queue.batching(true);
    List<Throwable> errors = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      queue.offer(data("a", i), errors::add);
    }
    socket.completeOne(null);
    RuntimeException broken = new RuntimeException("broken pipe");
    socket.completeOne(broken);
    assertThat(errors).containsExactly(null, broken, broken, broken);
  }

  @Test
  void closeFailsWhatWaitsAndWhatComesLater() {
    FakeSocket socket = new FakeSocket();
    FrameQueue queue = new FrameQueue(socket, 100, 32 * 1024);
    List<Throwable> errors = new ArrayList<>();
    queue.offer(data("a", 0), errors::add);
    queue.offer(data("a", 1), errors::add);
    IllegalStateException closed = new IllegalStateException("closed");
    queue.close(closed);
    assertThat(errors).containsExactly(closed);
    queue.offer(data("a", 2), errors::add);
    assertThat(errors).containsExactly(closed, closed);
    assertThat(queue.size()).isZero();
  }

  @Test
  void aFullQueueRefuses() {
    FakeSocket socket = new FakeSocket();
    FrameQueue queue = new FrameQueue(socket, 2, 32 * 1024);
    assertThat(queue.offer("in flight", null)).isTrue();
    assertThat(queue.offer("1", null)).isTrue();
    assertThat(queue.offerAll(List.of("2", "3"), null)).isFalse();
    assertThat(queue.offer("2", null)).isTrue();
    assertThat(queue.offer("3", null)).isFalse();
    socket.completeOne(null);
    assertThat(queue.offer("3", null)).isTrue();
  }

  @Test
  void sendsThatCompleteInsideTheCallDoNotRecurse() {
    FakeSocket socket = new FakeSocket();
    socket.completeInCall = true;
    FrameQueue queue = new FrameQueue(socket, Integer.MAX_VALUE, 32 * 1024);
    queue.batching(true);
    for (int i = 0; i < 100_000; i++) {
      queue.offer("f" + i, null);
    }
    assertThat(socket.sent).hasSize(100_000);
  }

  @Test
  void concurrentProducersWithBatchingKeepEachOnesOrderAndLoseNothing() throws Exception {
    FakeSocket socket = new FakeSocket();
    FrameQueue queue = new FrameQueue(socket, Integer.MAX_VALUE, 4096);
    queue.batching(true);
    int threads = 8;
    int each = 500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger told = new AtomicInteger();
    List<Future<?>> producers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String id = "p" + t;
      producers.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < each; i++) {
                  queue.offer(data(id, i), e -> told.incrementAndGet());
                }
                return null;
              }));
    }
    start.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (told.get() < threads * each && System.nanoTime() < deadline) {
      if (socket.pendingCount() > 0) {
        socket.completeOne(null);
      } else {
        Thread.onSpinWait();
      }
    }
    for (Future<?> p : producers) {
      p.get(5, TimeUnit.SECONDS);
    }
    pool.shutdownNow();
    assertThat(told).hasValue(threads * each);
    assertThat(socket.maxInFlight).isEqualTo(1);
    List<Frame> frames = socket.frames();
    assertThat(frames).hasSize(threads * each);
    for (int t = 0; t < threads; t++) {
      String id = "p" + t;
      List<String> mine =
          frames.stream()
              .map(f -> (Data) f)
              .filter(d -> d.id().equals(id))
              .map(Data::data)
              .toList();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < each; i++) {
        expected.add("tok" + i);
      }
      assertThat(mine).isEqualTo(expected);
    }
    assertThat(socket.sent.size()).isLessThan(threads * each);
  }
}
