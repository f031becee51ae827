package io.remotellm.broker.cluster;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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
   * Empty for one broker (at once), when this broker holds it, and when no live broker does. Never
   * waits for the grid: when it cannot answer in time the stage fails with an {@link ApiException}
   * (503) for the client.
   */
  CompletionStage<Optional<ClusterView.Target>> home(String responseId, String user) {
    ResponseHomes h = homes;
    if (h == null) {
      return NOWHERE;
    }
    return h.home(responseId, user)
        .handle(
            (member, failure) -> {
              if (failure != null) {
                throw new ApiException(
                    ApiError.unavailable(
                        "Could not find which broker holds this response; try again"));
              }
              return member.filter(m -> !m.equals(grid.memberId())).flatMap(view::member);
            });
  }

  private static final CompletionStage<Optional<ClusterView.Target>> NOWHERE =
      CompletableFuture.completedStage(Optional.empty());
}
