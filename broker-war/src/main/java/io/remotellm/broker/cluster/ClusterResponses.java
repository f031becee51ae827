package io.remotellm.broker.cluster;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * Stored responses across the cluster: a response this broker's connector created is announced on
 * the grid, so {@code GET}/{@code DELETE /v1/responses/{id}} and {@code POST .../cancel} reaching
 * another broker are forwarded here, where the relay knows which connector holds it. With one
 * broker it does nothing and knows no other broker. Names no Hazelcast type ({@link
 * GridResponseHomes} does).
 */
@ApplicationScoped
public class ClusterResponses {

  @Inject ClusterGrid grid;
  @Inject ClusterView view;

  private volatile ResponseHomes homes;

  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    if (grid.clustered()) {
      homes = new GridResponseHomes(grid.instance(), grid.memberId());
    }
  }

  /** This broker's connector created {@code responseId} for {@code user}. */
  void remember(String responseId, String user) {
    ResponseHomes h = homes;
    if (h != null) {
      h.remember(responseId, user);
    }
  }

  /**
   * The live broker, other than this one, that holds {@code user}'s response {@code responseId}.
   * Empty for one broker, when this broker holds it, and when no live broker does.
   */
  Optional<ClusterView.Target> home(String responseId, String user) {
    ResponseHomes h = homes;
    if (h == null) {
      return Optional.empty();
    }
    return h.home(responseId, user)
        .filter(member -> !member.equals(grid.memberId()))
        .flatMap(view::member);
  }
}
