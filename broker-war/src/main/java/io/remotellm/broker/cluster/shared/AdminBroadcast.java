package io.remotellm.broker.cluster.shared;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;
import io.remotellm.broker.admin.AdminChange;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells every other broker of the cluster each admin action taken here, and hands theirs to {@code
 * receiver}, through one grid topic (messages of one broker arrive in the order it sent them). The
 * database stays the record: a broker that starts reads it; the topic only carries what changes
 * while it runs, within milliseconds.
 */
final class AdminBroadcast implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(AdminBroadcast.class.getName());
  static final String TOPIC = "remotellm-admin-changes";

  private final ITopic<String> topic;
  private final UUID listener;
  private final ExecutorService applier =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "remotellm-admin-changes");
            t.setDaemon(true);
            return t;
          });

  AdminBroadcast(HazelcastInstance grid, Consumer<AdminChange> receiver) {
    this.topic = grid.getTopic(TOPIC);
    this.listener =
        topic.addMessageListener(
            message -> {
              if (message.getPublishingMember() != null
                  && message.getPublishingMember().localMember()) {
                return; // ours, already in force here
              }
              AdminChange change;
              try {
                change = AdminChangeJson.decode(message.getMessageObject());
              } catch (RuntimeException e) {
                // A broker of another version, or a damaged message: say so, keep listening.
                LOG.log(Level.WARNING, "Admin change from another broker not understood: {0}", e);
                return;
              }
              // In order, and off Hazelcast's event thread (closing links may touch the grid).
              applier.execute(() -> receiver.accept(change));
            });
  }

  /** Sends an action taken here; a grid failure is logged, the action stays taken here. */
  void publish(AdminChange change) {
    try {
      topic.publish(AdminChangeJson.encode(change));
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "Admin change {0} {1} not sent to the other brokers: {2}",
          new Object[] {change.audit().action(), change.audit().target(), e.toString()});
    }
  }

  @Override
  public void close() {
    try {
      topic.removeMessageListener(listener);
      applier.shutdown();
    } catch (RuntimeException e) {
      // The grid is shutting down too; nothing left to stop.
      LOG.log(Level.FINE, "admin change listener not removed: {0}", e.toString());
    }
  }
}
