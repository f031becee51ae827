package io.remotellm.broker.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Up while the broker runs; a broker without connectors is alive, just not ready. */
@Liveness
@ApplicationScoped
public class BrokerLivenessCheck implements HealthCheck {

  @Inject BrokerStatus status;

  @Override
  public HealthCheckResponse call() {
    return status.builder("broker").up().build();
  }
}
