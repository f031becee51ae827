package io.remotellm.broker.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.broker.usage.UsageRecorded;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LedgerWriterTest {

  private final List<UsageRecorded> stored = new CopyOnWriteArrayList<>();
  private final AtomicInteger batches = new AtomicInteger();
  private final AtomicBoolean databaseDown = new AtomicBoolean();
  private LedgerWriter writer;
  private Thread thread;

  private void start(int capacity) {
    writer =
        new LedgerWriter(
            batch -> {
              if (databaseDown.get()) {
                throw new IllegalStateException("connection refused");
              }
              batches.incrementAndGet();
              stored.addAll(batch);
            },
            capacity,
            50,
            Duration.ofMillis(5),
            Duration.ofMillis(20));
    thread = new Thread(writer::run, "ledger-writer-test");
    thread.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    databaseDown.set(false);
    if (writer != null) {
      assertThat(writer.stop(Duration.ofSeconds(5))).isTrue();
      thread.join(5000);
    }
  }

  private static List<UsageRecorded> records(int n) {
    List<UsageRecorded> all = new ArrayList<>();
    Instant t = Instant.parse("2026-12-06T10:00:00Z");
    for (int i = 0; i < n; i++) {
      all.add(Usages.of(t.plusMillis(i), "alice", "m", 200, i, 1, false));
    }
    return all;
  }

  @Test
  void recordsAreWrittenInBatchesInOrder() {
    start(10_000);
    List<UsageRecorded> sent = records(1000);
    sent.forEach(writer::offer);
    await().atMost(Duration.ofSeconds(10)).until(() -> stored.size() == 1000);
    assertThat(stored).containsExactlyElementsOf(sent);
    assertThat(batches.get()).isLessThan(1000).isGreaterThanOrEqualTo(20);
    assertThat(writer.queued()).isZero();
    assertThat(writer.dropped()).isZero();
  }

  @Test
  void whileTheDatabaseIsAwayRecordsWaitAndAreAllWrittenWhenItIsBack() {
    databaseDown.set(true);
    start(10_000);
    List<UsageRecorded> sent = records(3000);
    sent.forEach(r -> assertThat(writer.offer(r)).isTrue());
    await().atMost(Duration.ofSeconds(5)).until(() -> writer.queued() == 3000);
    assertThat(stored).isEmpty();
    databaseDown.set(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> stored.size() == 3000);
    assertThat(stored).containsExactlyElementsOf(sent);
    assertThat(writer.dropped()).isZero();
  }

  @Test
  void pastTheBoundRecordsAreDroppedAndCounted() {
    databaseDown.set(true);
    start(100);
    List<UsageRecorded> sent = records(300);
    int accepted = 0;
    for (UsageRecorded r : sent) {
      if (writer.offer(r)) {
        accepted++;
      }
    }
    // The writer may hold one batch (up to 50) besides the 100 queued.
    assertThat(accepted).isBetween(100, 150);
    assertThat(writer.dropped()).isEqualTo(300 - accepted);
    databaseDown.set(false);
    int expected = accepted;
    await().atMost(Duration.ofSeconds(10)).until(() -> stored.size() == expected);
    assertThat(writer.queued()).isZero();
  }

  @Test
  void stopWritesWhatIsQueued() throws InterruptedException {
    start(10_000);
    records(500).forEach(writer::offer);
    assertThat(writer.stop(Duration.ofSeconds(5))).isTrue();
    assertThat(stored).hasSize(500);
  }

  @Test
  void recordsArrivingOneByOneGoInFewBatchesWhenTheWriterLingers() throws InterruptedException {
    writer =
        new LedgerWriter(
            batch -> {
              batches.incrementAndGet();
              stored.addAll(batch);
            },
            10_000,
            50,
            Duration.ofMillis(5),
            Duration.ofMillis(20),
            Duration.ofMillis(200));
    thread = new Thread(writer::run, "ledger-writer-test");
    thread.start();
    List<UsageRecorded> sent = records(40);
    for (UsageRecorded r : sent) {
      writer.offer(r);
      Thread.sleep(5); // a request every 5 ms: 40 of them within the writer's first 200 ms wait
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> stored.size() == 40);
    assertThat(stored).containsExactlyElementsOf(sent);
    // Without the wait the writer takes most records alone (a transaction each).
    assertThat(batches.get()).isLessThanOrEqualTo(3);
  }

  @Test
  void stopDoesNotWaitOutTheLinger() throws InterruptedException {
    writer =
        new LedgerWriter(
            stored::addAll,
            10_000,
            50,
            Duration.ofMillis(5),
            Duration.ofMillis(20),
            Duration.ofSeconds(30));
    thread = new Thread(writer::run, "ledger-writer-test");
    thread.start();
    writer.offer(records(1).get(0));
    Thread.sleep(100); // the writer is now waiting for more
    long start = System.nanoTime();
    assertThat(writer.stop(Duration.ofSeconds(5))).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(stored).hasSize(1);
  }
}
