package io.remotellm.connector.connection;

import java.net.URI;
import java.util.List;

/**
 * The brokers a connector may attach to, tried round robin: it stays with the current one while it
 * holds, and moves to the next when it loses it or cannot reach it, so a connector given every
 * broker of a cluster comes back on a live one when its broker dies. With one broker this is that
 * broker, always. Thread-safe.
 */
public final class BrokerRotation {
  private final List<URI> brokers;
  private int current;

  public BrokerRotation(List<URI> brokers) {
    if (brokers.isEmpty()) {
      throw new IllegalArgumentException("at least one broker URL is required");
    }
    this.brokers = List.copyOf(brokers);
  }

  /** The broker to dial now. */
  public synchronized URI current() {
    return brokers.get(current);
  }

  /**
   * The current broker was lost or unreachable: the next one in the list, after the last the first.
   */
  public synchronized URI advance() {
    current = (current + 1) % brokers.size();
    return brokers.get(current);
  }

  /** Whether any broker is dialled over TLS ({@code wss://}). */
  public boolean anySecure() {
    return brokers.stream().anyMatch(url -> "wss".equalsIgnoreCase(url.getScheme()));
  }

  /** Whether there is another broker to go to. */
  public boolean several() {
    return brokers.size() > 1;
  }
}
