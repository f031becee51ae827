package io.remotellm.broker.cluster.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import io.remotellm.broker.limits.Admission;
import io.remotellm.broker.limits.Limits;
import io.remotellm.broker.limits.LocalLimitState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The shared counters on three real grid members, as three brokers would use them. */
@Tag("grid")
class GridLimitStateTest {

  private static final Logger LOG = Logger.getLogger(GridLimitStateTest.class.getName());
  private static final long T0 = 1_780_000_000_000L;

  private static EmbeddedGrid grid;
  private static GridLimitState[] brokers;

  @BeforeAll
  static void cluster() {
    grid = new EmbeddedGrid(3);
    brokers = new GridLimitState[3];
    for (int i = 0; i < 3; i++) {
      brokers[i] = new GridLimitState(grid.get(i));
    }
    assertThat(grid.get(0).getCluster().getMembers()).hasSize(3);
  }

  @AfterAll
  static void stop() {
    if (grid != null) {
      grid.close();
    }
  }

  private static String someone() {
    return "user-" + UUID.randomUUID();
  }

  @RepeatedTest(5)
  void fiftyClientsOnThreeBrokersGetExactlyTheHundredRequestsOfTheMinute() throws Exception {
    String user = someone();
    Limits limits = new Limits(100, 0, 0, 0);
    int clients = 50;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int c = 0; c < clients; c++) {
        GridLimitState broker = brokers[c % 3];
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  // Each client fires 5 requests, 250 in all, within the same minute.
                  for (int i = 0; i < 5; i++) {
                    Admission a = broker.admit(user, limits, T0 + i);
                    (a.admitted() ? admitted : refused).incrementAndGet();
                    if (a.admitted()) {
                      broker.release(user);
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(admitted).hasValue(100);
    assertThat(refused).hasValue(150);
    assertThat(Arrays.stream(brokers).mapToLong(GridLimitState::fallbacks).sum()).isZero();
  }

  @Test
  void theWindowIsTheSameOnEveryBroker() {
    String user = someone();
    Limits limits = new Limits(2, 0, 0, 0);
    Admission first = brokers[0].admit(user, limits, T0);
    assertThat(first.requestsRemaining()).isEqualTo(1);
    assertThat(first.requestsResetMillis()).isEqualTo(60_000);
    assertThat(brokers[1].admit(user, limits, T0 + 10_000).requestsRemaining()).isZero();
    Admission third = brokers[2].admit(user, limits, T0 + 20_000);
    assertThat(third.refusedBy()).isEqualTo("requests_per_minute");
    assertThat(third.retryAfterMillis()).isEqualTo(40_000);
    assertThat(third.requestLimit()).isEqualTo(2);
    assertThat(brokers[2].admit(user, limits, T0 + 60_000).admitted()).isTrue();
  }

  @Test
  void concurrencySlotsAreCountedAcrossBrokersAndFreedWhereTheyWereTaken() {
    String user = someone();
    Limits limits = new Limits(0, 0, 0, 2);
    assertThat(brokers[0].admit(user, limits, T0).admitted()).isTrue();
    assertThat(brokers[1].admit(user, limits, T0).admitted()).isTrue();
    Admission third = brokers[2].admit(user, limits, T0);
    assertThat(third.refusedBy()).isEqualTo("max_concurrent");
    // A release of a slot this broker never took frees nobody else's.
    brokers[2].release(user);
    brokers[0].release(user);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> brokers[2].admit(user, limits, T0).admitted());
    assertThat(brokers[0].admit(user, limits, T0).refusedBy()).isEqualTo("max_concurrent");
  }

  @Test
  void tokensChargedOnOneBrokerCountOnTheOthers() {
    String user = someone();
    Limits limits = new Limits(0, 100, 1000, 0);
    Admission first = brokers[0].admit(user, limits, T0);
    assertThat(first.tokensRemaining()).isEqualTo(100);
    brokers[0].release(user);
    brokers[0].charge(user, 150, T0 + 1);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> "tokens_per_minute".equals(brokers[1].admit(user, limits, T0 + 2).refusedBy()));
    Admission nextMinute = brokers[2].admit(user, limits, T0 + 60_000);
    assertThat(nextMinute.admitted()).isTrue();
    assertThat(nextMinute.tokensRemaining()).isEqualTo(100);
  }

  @Test
  void aUserWithoutLimitsCostsNoGridCall() {
    String user = someone();
    for (int i = 0; i < 3; i++) {
      assertThat(brokers[i].admit(user, Limits.NONE, T0)).isEqualTo(Admission.UNLIMITED);
      brokers[i].release(user);
      brokers[i].charge(user, 50, T0);
    }
    assertThat(grid.get(0).getMap(GridLimitState.MAP).containsKey(user)).isFalse();
  }

  @Test
  void requestsAdmittedWithoutALimitCountOnceTheUserGetsOne() {
    String user = someone();
    assertThat(brokers[0].admit(user, Limits.NONE, T0).admitted()).isTrue();
    assertThat(brokers[0].admit(user, Limits.NONE, T0).admitted()).isTrue();
    Limits two = new Limits(0, 0, 0, 2);
    // The two still running were counted in memory; this admission hands them to the grid.
    assertThat(brokers[0].admit(user, two, T0).refusedBy()).isEqualTo("max_concurrent");
    assertThat(brokers[1].admit(user, two, T0).refusedBy()).isEqualTo("max_concurrent");
    brokers[0].release(user);
    await().atMost(Duration.ofSeconds(5)).until(() -> brokers[1].admit(user, two, T0).admitted());
    assertThat(brokers[2].admit(user, two, T0).refusedBy()).isEqualTo("max_concurrent");
  }

  @Test
  void theSlotsOfABrokerThatDiesAreFreedByTheOthers() {
    String user = someone();
    Limits limits = new Limits(0, 0, 0, 2);
    HazelcastInstance doomed = grid.start();
    try {
      GridLimitState onDoomed = new GridLimitState(doomed);
      assertThat(onDoomed.admit(user, limits, T0).admitted()).isTrue();
      assertThat(onDoomed.admit(user, limits, T0).admitted()).isTrue();
      assertThat(brokers[0].admit(user, limits, T0).refusedBy()).isEqualTo("max_concurrent");
    } finally {
      doomed.getLifecycleService().terminate(); // no goodbye, as after kill -9
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> brokers[0].admit(user, limits, T0).admitted());
  }

  /** Not a timed assertion: prints what one admission costs on the grid and in memory. */
  @Test
  void costPerAdmission() {
    Limits limits = new Limits(1_000_000, 0, 0, 0);
    LocalLimitState local = new LocalLimitState();
    int n = 3000;
    String[] users = new String[30];
    Arrays.setAll(users, i -> someone());
    for (int i = 0; i < 300; i++) { // warm-up
      brokers[0].admit(users[i % users.length], limits, T0 + i);
      local.admit(users[i % users.length], limits, T0 + i);
    }
    long[] onGrid = new long[n];
    long[] inMemory = new long[n];
    for (int i = 0; i < n; i++) {
      String user = users[i % users.length];
      long t = System.nanoTime();
      assertThat(brokers[0].admit(user, limits, T0 + i).admitted()).isTrue();
      onGrid[i] = System.nanoTime() - t;
      t = System.nanoTime();
      local.admit(user, limits, T0 + i);
      inMemory[i] = System.nanoTime() - t;
    }
    Arrays.sort(onGrid);
    Arrays.sort(inMemory);
    LOG.info(
        String.format(
            "admission cost over %d calls, 3 members in one JVM: grid p50 %.1f us p99 %.1f us;"
                + " memory p50 %.2f us p99 %.2f us",
            n,
            onGrid[n / 2] / 1e3,
            onGrid[n * 99 / 100] / 1e3,
            inMemory[n / 2] / 1e3,
            inMemory[n * 99 / 100] / 1e3));
  }
}
