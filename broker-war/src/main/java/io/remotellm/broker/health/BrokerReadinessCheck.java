package io.remotellm.broker.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the broker can answer a request: a connector attached and the API open. */
@Readiness
@ApplicationScoped
public class BrokerReadinessCheck implements HealthCheck {

  @Inject BrokerStatus status;

  @Override
  public HealthCheckResponse call() {
    String reason = status.notReadyReason();
    HealthCheckResponseBuilder builder = status.builder("broker-ready");
    return reason == null
        ? builder.up().build()
        : builder.withData("reason", reason).down().build();
  }
}
