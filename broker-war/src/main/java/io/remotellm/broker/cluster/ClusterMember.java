package io.remotellm.broker.cluster;

import java.time.Instant;
import java.util.List;

/**
 * One broker of the cluster as operators see it (admin API and page): how to reach it, whether it
 * is still a member, and the connectors attached to it.
 *
 * @param memberId its grid member id
 * @param publicUrl where the other brokers forward to (empty when it has none)
 * @param alive false for a broker that left (killed, stopped, or dropped after it froze)
 * @param thisBroker whether it is the broker answering
 * @param leftAt when this broker saw it leave, null while alive
 * @param connectors the connectors attached to it (none once it left)
 */
public record ClusterMember(
    String memberId,
    String publicUrl,
    boolean alive,
    boolean thisBroker,
    Instant leftAt,
    List<Attached> connectors) {

  /** A connector attached to the broker: its id there, what it serves and its load. */
  public record Attached(String id, List<String> models, List<String> apis, int inFlight) {}

  public ClusterMember {
    connectors = List.copyOf(connectors);
  }

  static ClusterMember of(MemberRoutes routes, boolean thisBroker) {
    return new ClusterMember(
        routes.memberId(),
        routes.publicUrl(),
        true,
        thisBroker,
        null,
        routes.connectors().stream()
            .map(
                c ->
                    new Attached(
                        c.id(), List.copyOf(c.models()), List.copyOf(c.apis()), c.inFlight()))
            .toList());
  }

  ClusterMember left(Instant when) {
    return new ClusterMember(memberId, publicUrl, false, thisBroker, when, List.of());
  }
}
