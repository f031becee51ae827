package io.remotellm.broker.health;

import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.cluster.ClusterView;
import io.remotellm.broker.relay.ConnectorConfigReloader;
import io.remotellm.broker.relay.ConnectorRegistry;
import io.remotellm.broker.relay.Dispatcher;
import io.remotellm.broker.users.UserConfigReloader;
import io.remotellm.broker.users.UserDirectory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/** The seed's health fields, shared by the liveness and readiness checks. */
@ApplicationScoped
public class BrokerStatus {

  @Inject ConnectorRegistry registry;
  @Inject Dispatcher dispatcher;
  @Inject Credentials credentials;
  @Inject ConnectorConfigReloader connectorConfig;
  @Inject UserDirectory users;
  @Inject UserConfigReloader userConfig;
  @Inject ClusterView cluster;

  HealthCheckResponseBuilder builder(String name) {
    Set<String> models = registry.models();
    HealthCheckResponseBuilder builder =
        HealthCheckResponse.named(name)
            .withData("connectors_connected", registry.attached())
            .withData("models", String.join(",", models))
            .withData("model_count", models.size())
            .withData(
                "uptime_seconds", Duration.between(registry.started(), Instant.now()).toSeconds())
            .withData("user_api_keys_configured", users.configured())
            .withData("anonymous_access", credentials.anonymousAllowed())
            .withData("draining", dispatcher.draining())
            // Still UP when it is not reloaded: the tokens in force keep serving; this says why the
            // file on disk is not among them.
            .withData("connector_config", connectorConfig.state())
            .withData("user_config", userConfig.state());
    if (cluster.clustered()) {
      builder.withData("cluster_members", cluster.size()).withData("cluster", cluster.describe());
    }
    return builder;
  }

  /** Why the broker cannot serve, or null when it can. */
  String notReadyReason() {
    if (dispatcher.draining()) {
      return "shutting down";
    }
    if (!users.configured() && !credentials.anonymousAllowed()) {
      return "no user API keys configured (set REMOTELLM_BROKER_USER_API_KEYS or allow anonymous access)";
    }
    // In a cluster, other brokers' connectors serve this one's clients too.
    if (registry.attached() == 0 && registry.models().isEmpty()) {
      return "no connector attached";
    }
    return null;
  }
}
