package io.remotellm.protocol;

/** Broker → connector: registration accepted under this id; ping at this interval. */
public record Welcome(String connectorId, int heartbeatSeconds) implements Frame {
  public Welcome {
    Fields.required(connectorId, "connectorId");
    if (heartbeatSeconds < 1) {
      throw new IllegalArgumentException("field 'heartbeatSeconds' must be at least 1");
    }
  }
}
