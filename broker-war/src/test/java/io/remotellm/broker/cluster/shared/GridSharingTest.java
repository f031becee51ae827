package io.remotellm.broker.cluster.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.broker.admin.AdminState;
import io.remotellm.broker.admin.AuditLog;
import io.remotellm.broker.admin.TestAdminState;
import io.remotellm.broker.auth.TestCredentials;
import io.remotellm.broker.limits.Limits;
import io.remotellm.broker.limits.LocalLimitState;
import io.remotellm.broker.limits.RateLimiter;
import io.remotellm.broker.users.IssuedKeys;
import io.remotellm.broker.users.ModelAllowList;
import io.remotellm.broker.users.User;
import io.remotellm.protocol.Fingerprint;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two brokers' admin state and limiter wired to real grid members as at start: what an admin does
 * on one is in force on the other within a second.
 */
@Tag("grid")
class GridSharingTest {

  private static final Duration WITHIN = Duration.ofSeconds(1);

  /** One broker's beans. */
  private record Broker(
      AdminState state,
      IssuedKeys issued,
      TestCredentials credentials,
      AuditLog audit,
      RateLimiter limiter,
      AtomicInteger linkRechecks,
      GridSharing sharing) {}

  private static EmbeddedGrid grid;
  private static Broker a;
  private static Broker b;

  @BeforeAll
  static void start() {
    grid = new EmbeddedGrid(2);
    a = broker(0);
    b = broker(1);
  }

  @AfterAll
  static void stop() {
    if (grid != null) {
      a.sharing().close();
      b.sharing().close();
      grid.close();
    }
  }

  private static Broker broker(int member) {
    IssuedKeys issued = new IssuedKeys();
    TestCredentials credentials = new TestCredentials();
    credentials.grant("tok-a", Optional.empty());
    credentials.grant("tok-b", Optional.empty());
    AuditLog audit = new AuditLog();
    AdminState state = TestAdminState.of(issued, credentials.credentials, audit);
    RateLimiter limiter = RateLimiter.of(new LocalLimitState(), Clock.systemUTC(), null);
    AtomicInteger rechecks = new AtomicInteger();
    GridSharing sharing =
        GridSharing.start(
            grid.get(member), limiter, state, rechecks::incrementAndGet, ForkJoinPool.commonPool());
    return new Broker(state, issued, credentials, audit, limiter, rechecks, sharing);
  }

  @Test
  void aKeyCreatedChangedAndRevokedOnOneBrokerIsSoOnTheOther() {
    String key =
        a.state()
            .createUser("adminfp", "carol", new Limits(5, 0, 0, 0), ModelAllowList.ANY)
            .orElseThrow()
            .key();
    await().atMost(WITHIN).until(() -> b.issued().find(key).isPresent());
    assertThat(b.issued().find(key).orElseThrow().limits()).isEqualTo(new Limits(5, 0, 0, 0));

    Limits tighter = new Limits(1, 100, 1000, 1);
    a.state().changeUser("adminfp", "carol", tighter, ModelAllowList.of(List.of("qwen*")));
    await().atMost(WITHIN).until(() -> b.issued().find(key).orElseThrow().limits().equals(tighter));
    User seen = b.issued().find(key).orElseThrow();
    assertThat(seen.models().allows("qwen3")).isTrue();
    assertThat(seen.models().allows("llama3.2")).isFalse();

    assertThat(a.state().revokeUser("adminfp", "carol")).isTrue();
    await().atMost(WITHIN).until(() -> b.issued().find(key).isEmpty());
    assertThat(a.issued().find(key)).isEmpty();

    // The other broker's admin page shows the actions; the one that took them has each once.
    assertThat(b.audit().entries())
        .extracting(AuditLog.Entry::action)
        .containsSubsequence("user.revoke", "user.change", "user.create");
    assertThat(a.audit().entries())
        .filteredOn(e -> e.target().equals("carol"))
        .extracting(AuditLog.Entry::action)
        .containsExactly("user.revoke", "user.change", "user.create");
  }

  @Test
  void aConnectorTokenRevokedOnOneBrokerIsRefusedOnTheOtherAndItsLinksRechecked() {
    int rechecksBefore = b.linkRechecks().get();
    assertThat(b.credentials().credentials.connector("Bearer tok-a")).isPresent();
    assertThat(a.state().revokeConnector("adminfp", Fingerprint.of("tok-a")))
        .containsExactly(Fingerprint.of("tok-a"));
    await()
        .atMost(WITHIN)
        .until(() -> b.credentials().credentials.connector("Bearer tok-a").isEmpty());
    await().atMost(WITHIN).until(() -> b.linkRechecks().get() > rechecksBefore);
    assertThat(b.credentials().credentials.connector("Bearer tok-b")).isPresent();
    assertThat(a.linkRechecks()).hasValue(0); // its own action is not sent back to it
  }

  @Test
  void theLimiterCountsOnTheGridOnceShared() {
    User dave = new User("dave-" + System.nanoTime(), new Limits(3, 0, 0, 0), ModelAllowList.ANY);
    assertThat(a.limiter().admit(dave).requestsRemaining()).isEqualTo(2);
    assertThat(b.limiter().admit(dave).requestsRemaining()).isEqualTo(1);
    assertThat(a.limiter().admit(dave).requestsRemaining()).isZero();
  }

  @Test
  void aMessageNoBrokerCanReadIsIgnoredAndTheNextOneStillApplies() {
    grid.get(0).<String>getTopic(AdminBroadcast.TOPIC).publish("{not json");
    String key =
        a.state()
            .createUser("adminfp", "erin", Limits.NONE, ModelAllowList.ANY)
            .orElseThrow()
            .key();
    await().atMost(WITHIN).until(() -> b.issued().find(key).isPresent());
  }
}
