package io.remotellm.broker.cluster;

import io.remotellm.settings.BrokerProperties;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.util.Optional;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Makes the one {@link ClusterGrid}: Payara's grid (JNDI {@value #JNDI_NAME}) when the launcher
 * named a cluster, one broker otherwise, and one broker with a warning when a cluster was named but
 * the server has no grid (WildFly, Liberty).
 */
@ApplicationScoped
public class ClusterGridProducer {
  static final String JNDI_NAME = "payara/Hazelcast";
  private static final System.Logger LOG = System.getLogger(ClusterGridProducer.class.getName());

  @Inject
  @ConfigProperty(name = BrokerProperties.CLUSTER_NAME)
  Optional<String> clusterName;

  @Produces
  @ApplicationScoped
  ClusterGrid clusterGrid() {
    Optional<String> name = clusterName.filter(s -> !s.isBlank());
    if (name.isEmpty()) {
      return ClusterGrid.single();
    }
    Object hazelcast = lookUp();
    if (hazelcast == null) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cluster ''{0}'' is configured but this server has no data grid at {1};"
              + " running as one broker",
          name.get(),
          JNDI_NAME);
      return ClusterGrid.single();
    }
    ClusterGrid grid = ClusterGrid.of(hazelcast);
    LOG.log(
        System.Logger.Level.INFO,
        "cluster ''{0}'': this broker is member {1}",
        name.get(),
        grid.memberId());
    return grid;
  }

  private static Object lookUp() {
    try {
      return new InitialContext().lookup(JNDI_NAME);
    } catch (NamingException | RuntimeException e) {
      // No grid on this server: the caller says so once and runs as one broker.
      return null;
    }
  }
}
