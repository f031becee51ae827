package io.remotellm.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.broker.cluster.shared.EmbeddedGrid;
import io.remotellm.broker.relay.ResponseIds;
import java.time.Duration;
import java.util.Optional;
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
    await().atMost(Duration.ofSeconds(10)).until(() -> b.home("resp_1", "carol smith").isPresent());
    assertThat(b.home("resp_1", "carol smith")).isEqualTo(Optional.of("member-a"));
    assertThat(a.home("resp_1", "carol smith")).isEqualTo(Optional.of("member-a"));
    // Another user's id is as unknown as one never seen.
    assertThat(b.home("resp_1", "carol")).isEmpty();
    assertThat(b.home("resp_1", "mallory")).isEmpty();
    assertThat(b.home("resp_never", "carol smith")).isEmpty();
  }

  @Test
  void anEntryLastsAsLongAsTheBrokersMemoryOfIt() {
    b.remember("resp_2", "dave");
    await().atMost(Duration.ofSeconds(10)).until(() -> a.home("resp_2", "dave").isPresent());
    long ttl =
        grid.get(0).<String, String>getMap(GridResponseHomes.MAP).getEntryView("resp_2").getTtl();
    assertThat(Duration.ofMillis(ttl)).isEqualTo(ResponseIds.TTL).isEqualTo(Duration.ofHours(24));
  }
}
