package io.remotellm.broker.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class LocalLimitStateTest {

  private static final long T0 = 1_780_000_000_000L; // some day in 2026, 00:26 UTC
  private final LocalLimitState state = new LocalLimitState();

  @RepeatedTest(5)
  void fiftyClientsAtOnceGetExactlyTheHundredRequestsOfTheMinute() throws Exception {
    Limits limits = new Limits(100, 0, 0, 0);
    int clients = 50;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int c = 0; c < clients; c++) {
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  // Each client fires 5 requests, 250 in all, within the same minute.
                  for (int i = 0; i < 5; i++) {
                    Admission a = state.admit("alice", limits, T0 + i);
                    (a.admitted() ? admitted : refused).incrementAndGet();
                    if (a.admitted()) {
                      state.release("alice");
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(admitted).hasValue(100);
    assertThat(refused).hasValue(150);
  }

  @Test
  void theMinuteWindowStartsAtTheFirstRequestAndResetsAMinuteLater() {
    Limits limits = new Limits(2, 0, 0, 0);
    Admission first = state.admit("u", limits, T0);
    assertThat(first.requestLimit()).isEqualTo(2);
    assertThat(first.requestsRemaining()).isEqualTo(1);
    assertThat(first.requestsResetMillis()).isEqualTo(60_000);
    assertThat(state.admit("u", limits, T0 + 10_000).requestsRemaining()).isZero();
    Admission third = state.admit("u", limits, T0 + 20_000);
    assertThat(third.admitted()).isFalse();
    assertThat(third.refusedBy()).isEqualTo("requests_per_minute");
    assertThat(third.retryAfterMillis()).isEqualTo(40_000);
    assertThat(state.admit("u", limits, T0 + 60_000).admitted()).isTrue();
  }

  @Test
  void usersHaveTheirOwnCounters() {
    Limits limits = new Limits(1, 0, 0, 0);
    assertThat(state.admit("a", limits, T0).admitted()).isTrue();
    assertThat(state.admit("a", limits, T0).admitted()).isFalse();
    assertThat(state.admit("b", limits, T0).admitted()).isTrue();
  }

  @Test
  void concurrencySlotsComeBackOnRelease() {
    Limits limits = new Limits(0, 0, 0, 2);
    assertThat(state.admit("u", limits, T0).admitted()).isTrue();
    assertThat(state.admit("u", limits, T0).admitted()).isTrue();
    Admission third = state.admit("u", limits, T0);
    assertThat(third.refusedBy()).isEqualTo("max_concurrent");
    state.release("u");
    assertThat(state.admit("u", limits, T0).admitted()).isTrue();
    state.release("u");
    state.release("u");
    state.release("u"); // one too many: never below zero
    state.release("u");
    assertThat(state.admit("u", limits, T0).admitted()).isTrue();
    assertThat(state.admit("u", limits, T0).admitted()).isTrue();
    assertThat(state.admit("u", limits, T0).admitted()).isFalse();
  }

  @Test
  void tokensAdmitWhileTheMinuteHasRoomAndAreChargedWhenKnown() {
    Limits limits = new Limits(0, 1000, 0, 0);
    Admission first = state.admit("u", limits, T0);
    assertThat(first.tokenLimit()).isEqualTo(1000);
    assertThat(first.tokensRemaining()).isEqualTo(1000);
    state.charge("u", 999, T0 + 1);
    Admission second = state.admit("u", limits, T0 + 2);
    assertThat(second.admitted()).isTrue(); // 1 token of room is room
    assertThat(second.tokensRemaining()).isEqualTo(1);
    state.charge("u", 500, T0 + 3); // over the limit once the usage is known
    Admission third = state.admit("u", limits, T0 + 4);
    assertThat(third.refusedBy()).isEqualTo("tokens_per_minute");
    assertThat(third.tokensRemaining()).isZero();
    assertThat(third.retryAfterMillis()).isEqualTo(60_000 - 4);
    assertThat(state.admit("u", limits, T0 + 60_000).admitted()).isTrue();
  }

  @Test
  void tokensPerDayResetAtUtcMidnight() {
    Limits limits = new Limits(0, 0, 100, 0);
    long midnight = Math.floorDiv(T0, LocalLimitState.DAY) * LocalLimitState.DAY;
    state.charge("u", 100, T0);
    Admission refused = state.admit("u", limits, T0 + 1000);
    assertThat(refused.refusedBy()).isEqualTo("tokens_per_day");
    assertThat(refused.retryAfterMillis()).isEqualTo(midnight + LocalLimitState.DAY - T0 - 1000);
    assertThat(state.admit("u", limits, midnight + LocalLimitState.DAY).admitted()).isTrue();
  }

  @Test
  void noLimitsMeansNoHeadersFigures() {
    Admission a = state.admit("u", Limits.NONE, T0);
    assertThat(a.admitted()).isTrue();
    assertThat(a.requestLimit()).isEqualTo(-1);
    assertThat(a.tokenLimit()).isEqualTo(-1);
    assertThat(RateLimitHeaders.of(a)).isEmpty();
  }
}
