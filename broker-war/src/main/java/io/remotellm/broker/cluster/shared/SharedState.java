package io.remotellm.broker.cluster.shared;

import io.remotellm.broker.admin.AdminState;
import io.remotellm.broker.cluster.ClusterGrid;
import io.remotellm.broker.limits.RateLimiter;
import io.remotellm.broker.relay.ConnectorRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * At start, when this broker is one of a cluster: limits counted on the grid and admin actions told
 * to every broker. Otherwise nothing changes (this broker's own counters, its own actions). Names
 * no Hazelcast type, so it loads on servers without one; {@link GridSharing} does the rest.
 */
@ApplicationScoped
public class SharedState {

  private static final Logger LOG = Logger.getLogger(SharedState.class.getName());

  @Inject ClusterGrid grid;
  @Inject RateLimiter limiter;
  @Inject AdminState admin;
  @Inject ConnectorRegistry registry;

  /**
   * Runs the grid calls made off a request thread (a slot given back, tokens charged), so they
   * carry this application's context: Payara's grid reads an entry processor sent without it with
   * its own class loader, which cannot see ours (ClassNotFoundException on the entry's owner, the
   * slot never given back).
   */
  @Resource ManagedExecutorService executor;

  private AutoCloseable sharing;

  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    if (!grid.clustered()) {
      return;
    }
    sharing = GridSharing.start(grid, limiter, admin, registry::recheckCredentials, executor);
    LOG.info("Limits and admin changes are shared with the cluster's other brokers");
  }

  @PreDestroy
  void stop() {
    if (sharing != null) {
      try {
        sharing.close();
      } catch (Exception e) {
        // Going away anyway; the grid drops our listeners with our membership.
        LOG.log(Level.FINE, "sharing not closed: {0}", e.toString());
      }
    }
  }
}
