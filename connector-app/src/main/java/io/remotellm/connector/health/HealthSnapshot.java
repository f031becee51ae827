package io.remotellm.connector.health;

import java.util.List;

/** The connector's state at one moment, as the health endpoints report it. */
public record HealthSnapshot(
    boolean relayConnected,
    String relayState,
    boolean llmAvailable,
    List<String> models,
    long uptimeSeconds,
    List<String> apis) {

  public HealthSnapshot {
    models = List.copyOf(models);
    apis = List.copyOf(apis);
  }

  public boolean ready() {
    return relayConnected && llmAvailable;
  }
}
