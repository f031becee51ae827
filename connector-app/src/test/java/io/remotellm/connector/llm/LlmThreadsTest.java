package io.remotellm.connector.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The LLM client's threads: never more than the maximum, none lost, none kept when idle. */
class LlmThreadsTest {

  private ThreadPoolExecutor pool;

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private static java.util.concurrent.ThreadFactory daemons() {
    return r -> {
      Thread t = new Thread(r, "pool-test");
      t.setDaemon(true);
      return t;
    };
  }

  @Test
  void busyThreadsGetCompanyUpToTheMaximumAndExtraTasksWaitTheirTurn() throws Exception {
    pool = LlmClient.threads(3, Duration.ofSeconds(60), daemons());
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger started = new AtomicInteger();
    List<Future<?>> tasks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      tasks.add(
          pool.submit(
              () -> {
                started.incrementAndGet();
                release.await();
                return null;
              }));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> started.get() == 3);
    assertThat(pool.getPoolSize()).isEqualTo(3);
    release.countDown();
    for (Future<?> f : tasks) {
      f.get(5, TimeUnit.SECONDS);
    }
    assertThat(started.get()).isEqualTo(5);
    assertThat(pool.getLargestPoolSize()).isEqualTo(3);
  }

  @Test
  void manyProducersLoseNoTask() throws Exception {
    pool = LlmClient.threads(2, Duration.ofSeconds(60), daemons());
    int producers = 8;
    int each = 5_000;
    AtomicInteger done = new AtomicInteger();
    ExecutorService submitters = Executors.newFixedThreadPool(producers);
    try {
      for (int p = 0; p < producers; p++) {
        submitters.submit(
            () -> {
              for (int i = 0; i < each; i++) {
                pool.execute(done::incrementAndGet);
              }
            });
      }
      submitters.shutdown();
      assertThat(submitters.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(30)).until(() -> done.get() == producers * each);
      assertThat(pool.getLargestPoolSize()).isLessThanOrEqualTo(2);
    } finally {
      submitters.shutdownNow();
    }
  }

  @Test
  void idleThreadsEnd() throws Exception {
    pool = LlmClient.threads(2, Duration.ofMillis(100), daemons());
    pool.submit(() -> {}).get(5, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.getPoolSize() == 0);
    pool.submit(() -> {}).get(5, TimeUnit.SECONDS); // and a new one starts when work comes
  }
}
