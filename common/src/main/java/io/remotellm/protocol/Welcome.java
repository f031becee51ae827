package io.remotellm.protocol;

/**
 * Broker → connector: registration accepted under this id; ping at this interval; speak this
 * protocol version (the lower of the two sides'; a version 1 broker sends none, which reads as 1).
 */
public record Welcome(String connectorId, int heartbeatSeconds, Integer protocol) implements Frame {
  public Welcome {
    Fields.required(connectorId, "connectorId");
    if (heartbeatSeconds < 1) {
      throw new IllegalArgumentException("field 'heartbeatSeconds' must be at least 1");
    }
    if (protocol == null) {
      protocol = 1;
    } else if (protocol < 1) {
      throw new IllegalArgumentException("field 'protocol' must be at least 1");
    }
  }

  /** Whether batches may be sent to the broker on this link. */
  public boolean batches() {
    return protocol >= BATCH_PROTOCOL;
  }

  /**
   * Whether the connector may send its messages to the broker as binary (UTF-8) on this link. Only
   * the connector's direction: the broker's frames stay text messages.
   */
  public boolean binary() {
    return protocol >= BINARY_PROTOCOL;
  }
}
