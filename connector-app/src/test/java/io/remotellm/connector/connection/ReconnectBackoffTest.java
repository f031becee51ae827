package io.remotellm.connector.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {
  private static final long SECOND = 1_000_000_000L;

  private ReconnectBackoff seeded(long seed) {
    return new ReconnectBackoff(
        Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(30), new Random(seed));
  }

  @Test
  void ceilingDoublesFromOneSecondUpToTheSixtySecondCap() {
    ReconnectBackoff backoff = seeded(1);
    long[] expected = {1, 2, 4, 8, 16, 32, 60, 60, 60};
    for (long seconds : expected) {
      assertThat(backoff.ceiling()).isEqualTo(Duration.ofSeconds(seconds));
      backoff.nextDelay();
    }
    for (int i = 0; i < 100; i++) {
      assertThat(backoff.nextDelay())
          .isLessThanOrEqualTo(Duration.ofSeconds(60)); // no overflow, ever
    }
  }

  @Test
  void everyDelayIsWithinZeroAndItsCeiling() {
    ReconnectBackoff backoff = seeded(42);
    for (int i = 0; i < 50; i++) {
      Duration ceiling = backoff.ceiling();
      Duration delay = backoff.nextDelay();
      assertThat(delay).isGreaterThanOrEqualTo(Duration.ZERO).isLessThanOrEqualTo(ceiling);
    }
  }

  @Test
  void fullJitterSpreadsConnectorsThatFailedTogether() {
    Set<Long> firstDelaysMillis = new HashSet<>();
    for (long seed = 0; seed < 20; seed++) {
      ReconnectBackoff backoff = seeded(seed);
      for (int i = 0; i < 5; i++) {
        backoff.nextDelay();
      }
      firstDelaysMillis.add(backoff.nextDelay().toMillis());
    }
    assertThat(firstDelaysMillis).hasSizeGreaterThan(15);
  }

  @Test
  void aConnectionStableForThirtySecondsResetsTheSequence() {
    ReconnectBackoff backoff = seeded(7);
    for (int i = 0; i < 6; i++) {
      backoff.nextDelay();
    }
    backoff.connected(100 * SECOND);
    backoff.disconnected(131 * SECOND);
    assertThat(backoff.ceiling()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void aFlappingConnectionKeepsBackingOff() {
    ReconnectBackoff backoff = seeded(7);
    for (int i = 0; i < 6; i++) {
      backoff.nextDelay();
    }
    backoff.connected(100 * SECOND);
    backoff.disconnected(105 * SECOND);
    assertThat(backoff.ceiling()).isEqualTo(Duration.ofSeconds(60));
    backoff.disconnected(200 * SECOND); // a failed dial is not a stable connection
    assertThat(backoff.ceiling()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void aRestartStartsTheSequenceAfreshHoweverShortTheConnection() {
    ReconnectBackoff backoff = seeded(7);
    for (int i = 0; i < 6; i++) {
      backoff.nextDelay();
    }
    backoff.connected(100 * SECOND);
    backoff.restart();
    backoff.disconnected(101 * SECOND);
    assertThat(backoff.ceiling()).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.nextDelay(101 * SECOND)).isLessThanOrEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void aRestartLengthOutageNeverWaitsLongerThanEightSeconds() {
    ReconnectBackoff backoff = seeded(11);
    backoff.connected(0);
    backoff.disconnected(10 * SECOND);
    long now = 10 * SECOND;
    int attempts = 0;
    // Dial when the delay says, failing, through a 60 s outage.
    while (now < 70 * SECOND) {
      Duration delay = backoff.nextDelay(now);
      assertThat(delay).isLessThanOrEqualTo(ReconnectBackoff.FAST_CAP);
      now += delay.toNanos() + 1;
      attempts++;
    }
    // The broker returned at 70 s: the next dial comes within 8 s of it, yet the wait still grew.
    assertThat(now).isLessThanOrEqualTo(78 * SECOND + 1);
    assertThat(attempts).isLessThan(40);
  }

  @Test
  void aLongOutageStillReachesTheCap() {
    ReconnectBackoff backoff = seeded(5);
    backoff.disconnected(0);
    for (int i = 0; i < 10; i++) {
      backoff.nextDelay(i * SECOND);
    }
    assertThat(backoff.ceiling()).isEqualTo(Duration.ofSeconds(60));
    long maxAfterTenMinutes = 0;
    for (int i = 0; i < 200; i++) {
      maxAfterTenMinutes = Math.max(maxAfterTenMinutes, backoff.nextDelay(600 * SECOND).toNanos());
    }
    assertThat(maxAfterTenMinutes).isGreaterThan(30 * SECOND).isLessThanOrEqualTo(60 * SECOND);
    // Within the first two minutes the same sequence would have stayed at 8 s or less.
    ReconnectBackoff early = seeded(5);
    early.disconnected(0);
    for (int i = 0; i < 200; i++) {
      assertThat(early.nextDelay(i * SECOND / 2)).isLessThanOrEqualTo(ReconnectBackoff.FAST_CAP);
    }
  }

  @Test
  void sameSeedSameDelays() {
    ReconnectBackoff a = seeded(3);
    ReconnectBackoff b = seeded(3);
    for (int i = 0; i < 10; i++) {
      assertThat(a.nextDelay()).isEqualTo(b.nextDelay());
    }
  }
}
