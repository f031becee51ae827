package io.remotellm.broker.cluster;

import com.hazelcast.core.HazelcastInstance;
import java.util.Optional;
import java.util.UUID;

/**
 * This broker's view of the data grid: Payara's Hazelcast instance when a cluster is configured and
 * the server has one, nothing otherwise (the plain fallback is "one broker"). Inject it; it is an
 * application-scoped bean made by {@link ClusterGridProducer}.
 *
 * <p>Not itself a discovered bean: Weld reads the generic return type of every method of a bean
 * class, and {@code Optional<HazelcastInstance>} would then need Hazelcast's classes on servers
 * that have none. A produced bean's client proxy reads only erased signatures. The instance is held
 * as {@code Object} for the same reason.
 */
public class ClusterGrid {

  private final Object hazelcast;
  private final String memberId;

  /** For the CDI client proxy only. */
  protected ClusterGrid() {
    this(null, "");
  }

  ClusterGrid(Object hazelcast, String memberId) {
    this.hazelcast = hazelcast;
    this.memberId = memberId;
  }

  /** One broker, no grid: what every server without a configured cluster gets. */
  static ClusterGrid single() {
    return new ClusterGrid(null, "single-" + UUID.randomUUID());
  }

  /** The grid Payara gave us, {@code hazelcast} being a {@code HazelcastInstance}. */
  static ClusterGrid of(Object hazelcast) {
    return new ClusterGrid(hazelcast, GridMembers.localMemberId(hazelcast));
  }

  /** Payara's Hazelcast instance, empty when this broker runs alone. */
  @SuppressWarnings("unchecked")
  public Optional<HazelcastInstance> hazelcast() {
    // No checkcast to HazelcastInstance here: this class must load and verify without it.
    return (Optional<HazelcastInstance>) (Optional<?>) Optional.ofNullable(hazelcast);
  }

  /** The instance as an Object, for the classes that cast it only when {@link #clustered()}. */
  Object instance() {
    return hazelcast;
  }

  /** Whether this broker is one of a cluster (a grid was configured and found). */
  public boolean clustered() {
    return hazelcast != null;
  }

  /**
   * This broker's member id: the Hazelcast member UUID when clustered, a random id fixed for this
   * process otherwise.
   */
  public String memberId() {
    return memberId;
  }
}
