package io.remotellm.broker.relay;

import io.remotellm.broker.logging.AccessLog;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The other brokers of a cluster, as the relay sees them (issue 15): the models their connectors
 * serve, and a way to hand them a request this broker has no connector for. Declared here, where
 * the relay needs it, and implemented by the cluster package, so the relay knows no grid.
 */
public interface RemoteBrokers {

  /** No other broker: what a relay built without CDI (tests) has. */
  RemoteBrokers NONE =
      new RemoteBrokers() {
        @Override
        public Set<String> models() {
          return Set.of();
        }

        @Override
        public boolean forward(RelayRequest request, ResponseSink sink, AccessLog access) {
          return false;
        }
      };

  /**
   * A stored response this broker's connector created for {@code user}, so a call naming it that
   * reaches another broker is sent here; nothing for one broker.
   */
  default void responseCreated(String responseId, String user) {}

  /** The models other brokers' connectors serve now; empty for one broker. */
  Set<String> models();

  /**
   * Sends {@code request} to a broker whose connector serves its model, its answer to {@code sink}
   * and how it ended to {@code access} and the usage listeners; false, having done nothing, when no
   * other broker serves it.
   */
  boolean forward(RelayRequest request, ResponseSink sink, AccessLog access);

  /**
   * The same for a call naming a stored response ({@link RelayRequest#responseId}), sent to the
   * broker whose connector created it. Finding that broker may take a grid round trip, so no thread
   * waits for it: the stage completes true once the request is on its way (answered as by {@link
   * #forward}), false, having done nothing, when no other broker holds the response, or fails (an
   * {@link io.remotellm.broker.error.ApiException} for the client) when the lookup could not be
   * made. Completed at once when there is no other broker.
   */
  default CompletionStage<Boolean> forwardStored(
      RelayRequest request, ResponseSink sink, AccessLog access) {
    return NOT_FORWARDED;
  }

  /** A stored-response call no other broker takes: already decided. */
  CompletionStage<Boolean> NOT_FORWARDED = CompletableFuture.completedStage(false);
}
