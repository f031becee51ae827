package io.remotellm.broker.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The directory on Payara's Hazelcast: one IMap entry per broker, keyed by its member id, holding
 * its {@link MemberRoutes} as JSON. A member that leaves (kill -9 is seen in about half a second)
 * has its entry removed by whichever broker hears of it first, and entries of members no longer in
 * the cluster are never read, so a dead broker drops out of routing at once.
 */
final class GridDirectory implements ClusterDirectory {
  static final String MAP = "remotellm-broker-routes";
  private static final Logger LOG = Logger.getLogger(GridDirectory.class.getName());

  private final HazelcastInstance hazelcast;
  private final IMap<String, String> routes;
  private final String me;
  private final UUID listener;

  /**
   * {@code membersChanged} is called on Hazelcast's event thread with the id of a member that left,
   * or null when one joined; it must hand the work (a grid call) to another thread.
   */
  GridDirectory(Object hazelcast, String memberId, Consumer<String> membersChanged) {
    this.hazelcast = (HazelcastInstance) hazelcast;
    this.routes = this.hazelcast.getMap(MAP);
    this.me = memberId;
    this.listener =
        this.hazelcast
            .getCluster()
            .addMembershipListener(
                new MembershipListener() {
                  @Override
                  public void memberAdded(MembershipEvent event) {
                    LOG.log(Level.INFO, "cluster: broker {0} joined", event.getMember().getUuid());
                    membersChanged.accept(null);
                  }

                  @Override
                  public void memberRemoved(MembershipEvent event) {
                    String gone = event.getMember().getUuid().toString();
                    LOG.log(
                        Level.WARNING, "cluster: broker {0} left; its routes are dropped", gone);
                    membersChanged.accept(gone);
                  }
                });
  }

  @Override
  public void publish(MemberRoutes mine) {
    routes.set(me, mine.toJson());
  }

  @Override
  public List<MemberRoutes> members() {
    Set<String> live = new HashSet<>();
    for (Member member : hazelcast.getCluster().getMembers()) {
      live.add(member.getUuid().toString());
    }
    List<MemberRoutes> all = new ArrayList<>();
    for (Map.Entry<String, String> entry : routes.getAll(live).entrySet()) {
      try {
        all.add(MemberRoutes.fromJson(entry.getValue()));
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "cluster: unreadable routes of broker " + entry.getKey(), e);
      }
    }
    return all;
  }

  @Override
  public void forget(String memberId) {
    try {
      routes.delete(memberId);
    } catch (RuntimeException e) {
      // The grid is shutting down, or busy: members() skips the entries of members that left.
      LOG.log(Level.FINE, "cluster: could not delete routes of " + memberId, e);
    }
  }

  @Override
  public void withdraw() {
    try {
      hazelcast.getCluster().removeMembershipListener(listener);
      routes.delete(me);
    } catch (RuntimeException e) {
      // The grid may stop before the application: the other members drop us when it does.
      LOG.log(Level.FINE, "cluster: could not withdraw routes", e);
    }
  }
}
