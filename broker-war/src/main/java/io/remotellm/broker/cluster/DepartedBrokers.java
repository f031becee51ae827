package io.remotellm.broker.cluster;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The last brokers this one saw leave the cluster, so operators see which broker went away and when
 * (the grid itself forgets a member at once). Bounded: the oldest are dropped first, and a departed
 * broker whose URL a live member now has (it restarted) is no longer listed.
 */
final class DepartedBrokers {
  static final int KEPT = 16;

  private final Clock clock;
  private final Map<String, ClusterMember> departed = new LinkedHashMap<>();

  DepartedBrokers(Clock clock) {
    this.clock = clock;
  }

  /** Notes that {@code memberId} left; {@code lastSeen} is what was known of it, if anything. */
  synchronized void left(String memberId, MemberRoutes lastSeen) {
    MemberRoutes known = lastSeen != null ? lastSeen : new MemberRoutes(memberId, "", List.of());
    departed.remove(memberId);
    departed.put(memberId, ClusterMember.of(known, false).left(clock.instant()));
    while (departed.size() > KEPT) {
      departed.remove(departed.keySet().iterator().next());
    }
  }

  /** The departed brokers, newest last, except those whose URL is in {@code liveUrls}. */
  synchronized List<ClusterMember> list(Set<String> liveUrls) {
    List<ClusterMember> out = new ArrayList<>();
    for (ClusterMember m : departed.values()) {
      if (m.publicUrl().isEmpty() || !liveUrls.contains(m.publicUrl())) {
        out.add(m);
      }
    }
    return out;
  }
}
