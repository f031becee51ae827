package io.remotellm.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.remotellm.broker.cluster.shared.EmbeddedGrid;
import io.remotellm.broker.relay.ResponseIds;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Two brokers' response homes on real grid members: what one relayed, the other finds. */
@Tag("grid")
class GridResponseHomesTest {

  private static EmbeddedGrid grid;
  private static GridResponseHomes a;
  private static GridResponseHomes b;

  @BeforeAll
  static void start() {
    grid = new EmbeddedGrid(2);
    a = new GridResponseHomes(grid.get(0), "member-a");
    b = new GridResponseHomes(grid.get(1), "member-b");
  }

  @AfterAll
  static void stop() {
    if (grid != null) {
      grid.close();
    }
  }

  @Test
  void aResponseRelayedByOneBrokerIsFoundOnTheOtherForItsUserOnly() {
    a.remember("resp_1", "carol smith");
    // Written without waiting: the other broker finds it a moment later.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> home(b, "resp_1", "carol smith").isPresent());
    assertThat(home(b, "resp_1", "carol smith")).isEqualTo(Optional.of("member-a"));
    assertThat(home(a, "resp_1", "carol smith")).isEqualTo(Optional.of("member-a"));
    // Another user's id is as unknown as one never seen.
    assertThat(home(b, "resp_1", "carol")).isEmpty();
    assertThat(home(b, "resp_1", "mallory")).isEmpty();
    assertThat(home(b, "resp_never", "carol smith")).isEmpty();
  }

  @Test
  void anEntryLastsAsLongAsTheBrokersMemoryOfIt() {
    b.remember("resp_2", "dave");
    await().atMost(Duration.ofSeconds(10)).until(() -> home(a, "resp_2", "dave").isPresent());
    long ttl =
        grid.get(0).<String, String>getMap(GridResponseHomes.MAP).getEntryView("resp_2").getTtl();
    assertThat(Duration.ofMillis(ttl)).isEqualTo(ResponseIds.TTL).isEqualTo(Duration.ofHours(24));
  }

  /**
   * The lookup answers through a stage, never on the calling thread's time; a test may wait for it
   * (generously: the machine is shared).
   */
  private static Optional<String> home(GridResponseHomes homes, String id, String user) {
    return homes.home(id, user).toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
  }

  @Test
  void aLookupTheGridCannotAnswerInTimeFailsRatherThanWaits() {
    // What a member that froze looks like from here: a grid call that never completes.
    CompletableFuture<Optional<String>> lookup =
        GridResponseHomes.within(
                new CompletableFuture<String>(), Duration.ofMillis(50), "resp_x", "u")
            .toCompletableFuture();
    assertThat(lookup).isNotDone();
    await().atMost(Duration.ofSeconds(30)).until(lookup::isDone);
    assertThat(lookup).isCompletedExceptionally();
    assertThatThrownBy(lookup::join).hasCauseInstanceOf(TimeoutException.class);
  }

  @Test
  void aMapValueNamesItsBrokerOnlyForItsOwnUser() {
    assertThat(GridResponseHomes.ownedBy("m-1 carol smith", "carol smith")).contains("m-1");
    assertThat(GridResponseHomes.ownedBy("m-1 carol smith", "carol")).isEmpty();
    assertThat(GridResponseHomes.ownedBy("m-1carol", "m-1carol")).isEmpty();
    assertThat(GridResponseHomes.ownedBy(null, "carol")).isEmpty();
  }
}
