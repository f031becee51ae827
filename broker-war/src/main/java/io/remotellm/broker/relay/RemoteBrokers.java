package io.remotellm.broker.relay;

import io.remotellm.broker.logging.AccessLog;
import java.util.Set;

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
   * Sends {@code request} to a broker whose connector serves it (by model, or, for a call naming a
   * stored response, the broker whose connector created it), its answer to {@code sink} and how it
   * ended to {@code access} and the usage listeners; false, having done nothing, when no other
   * broker serves it.
   */
  boolean forward(RelayRequest request, ResponseSink sink, AccessLog access);
}
