package io.remotellm.broker.cluster.shared;

import com.hazelcast.core.HazelcastInstance;
import io.remotellm.broker.admin.AdminChange;
import io.remotellm.broker.admin.AdminState;
import io.remotellm.broker.cluster.ClusterGrid;
import io.remotellm.broker.limits.RateLimiter;
import java.util.concurrent.Executor;

/**
 * Puts this broker's limits and admin actions on the grid: the only place that names Hazelcast's
 * types for them, reached only when {@link ClusterGrid#clustered()} said yes, so a broker without a
 * grid never loads one of them.
 */
final class GridSharing implements AutoCloseable {

  private final GridLimitState limits;
  private final AdminBroadcast broadcast;

  private GridSharing(GridLimitState limits, AdminBroadcast broadcast) {
    this.limits = limits;
    this.broadcast = broadcast;
  }

  /**
   * Shares {@code limiter}'s counters and {@code admin}'s actions over {@code grid}; runs {@code
   * linksToRecheck} after another broker revoked connector tokens (to close links using them);
   * {@code sender} runs the limit counters' calls made off a request thread.
   */
  static GridSharing start(
      ClusterGrid grid,
      RateLimiter limiter,
      AdminState admin,
      Runnable linksToRecheck,
      Executor sender) {
    return start(grid.hazelcast().orElseThrow(), limiter, admin, linksToRecheck, sender);
  }

  static GridSharing start(
      HazelcastInstance hazelcast,
      RateLimiter limiter,
      AdminState admin,
      Runnable linksToRecheck,
      Executor sender) {
    // Listen before anything else, so no change made meanwhile is missed.
    AdminBroadcast broadcast =
        new AdminBroadcast(
            hazelcast,
            change -> {
              admin.apply(change);
              if (change instanceof AdminChange.TokensRevoked) {
                linksToRecheck.run();
              }
            });
    admin.announceChangesTo(broadcast::publish);
    GridLimitState limits = new GridLimitState(hazelcast, sender);
    limiter.shareState(limits);
    return new GridSharing(limits, broadcast);
  }

  @Override
  public void close() {
    broadcast.close();
    limits.close();
  }
}
