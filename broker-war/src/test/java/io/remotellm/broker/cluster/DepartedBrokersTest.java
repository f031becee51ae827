package io.remotellm.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What operators see of brokers that left: the last ones, when, without their connectors. */
class DepartedBrokersTest {
  private static final Instant T = Instant.parse("2026-12-07T00:00:00Z");
  private final DepartedBrokers departed = new DepartedBrokers(Clock.fixed(T, ZoneOffset.UTC));

  private static MemberRoutes routes(String id, String url) {
    return new MemberRoutes(
        id, url, List.of(new MemberRoutes.Connector("c-" + id, Set.of("m"), Set.of("openai"), 1)));
  }

  @Test
  void aBrokerThatLeftIsListedAsNotAliveWithoutItsConnectors() {
    departed.left("a", routes("a", "http://10.0.0.5:8443"));
    List<ClusterMember> listed = departed.list(Set.of());
    assertThat(listed).hasSize(1);
    ClusterMember a = listed.get(0);
    assertThat(a.memberId()).isEqualTo("a");
    assertThat(a.publicUrl()).isEqualTo("http://10.0.0.5:8443");
    assertThat(a.alive()).isFalse();
    assertThat(a.thisBroker()).isFalse();
    assertThat(a.leftAt()).isEqualTo(T);
    assertThat(a.connectors()).isEmpty();
  }

  @Test
  void aBrokerNeverSeenIsListedByItsIdAlone() {
    departed.left("b", null);
    assertThat(departed.list(Set.of())).extracting(ClusterMember::memberId).containsExactly("b");
    assertThat(departed.list(Set.of())).extracting(ClusterMember::publicUrl).containsExactly("");
  }

  @Test
  void aBrokerRestartedAtTheSameUrlIsNoLongerListedAsLeft() {
    departed.left("a", routes("a", "http://10.0.0.5:8443"));
    departed.left("b", routes("b", "http://10.0.0.6:8443"));
    assertThat(departed.list(Set.of("http://10.0.0.5:8443")))
        .extracting(ClusterMember::memberId)
        .containsExactly("b");
  }

  @Test
  void onlyTheLastSixteenAreKeptOldestDroppedFirst() {
    for (int i = 0; i < DepartedBrokers.KEPT + 4; i++) {
      departed.left("m" + i, routes("m" + i, "http://10.0.0." + i + ":8443"));
    }
    List<ClusterMember> listed = departed.list(Set.of());
    assertThat(listed).hasSize(DepartedBrokers.KEPT);
    assertThat(listed.get(0).memberId()).isEqualTo("m4");
    assertThat(listed.get(DepartedBrokers.KEPT - 1).memberId()).isEqualTo("m19");
  }

  @Test
  void aLiveMemberShowsItsConnectors() {
    ClusterMember live = ClusterMember.of(routes("a", "http://10.0.0.5:8443"), true);
    assertThat(live.alive()).isTrue();
    assertThat(live.thisBroker()).isTrue();
    assertThat(live.leftAt()).isNull();
    assertThat(live.connectors())
        .containsExactly(new ClusterMember.Attached("c-a", List.of("m"), List.of("openai"), 1));
  }
}
