package io.remotellm.broker.cluster;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Which broker holds which stored response (Responses API), as the grid holds it: an interface only
 * so the beans that use it never name a Hazelcast type ({@link GridResponseHomes} does); with one
 * broker there is none.
 */
interface ResponseHomes {

  /** This broker's connector created {@code responseId} for {@code user}. */
  void remember(String responseId, String user);

  /**
   * The member id of the broker that holds {@code user}'s response {@code responseId}; empty when
   * no broker relayed it, it expired, or it is another user's. Never waits: the stage completes
   * when the grid answers, or exceptionally when it could not (a member that froze holds its
   * partitions until the others drop it).
   */
  CompletionStage<Optional<String>> home(String responseId, String user);
}
