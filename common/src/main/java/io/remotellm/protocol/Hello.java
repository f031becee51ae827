package io.remotellm.protocol;

import java.util.List;

/**
 * Connector → broker, first frame after the socket opens.
 *
 * @param protocol the protocol version the connector speaks
 * @param connector the connector's name and version, for logs
 * @param models the model names it serves
 * @param capacity how many requests it takes at once
 */
public record Hello(int protocol, String connector, List<String> models, int capacity)
    implements Frame {
  public Hello {
    if (protocol < 1) {
      throw new IllegalArgumentException("field 'protocol' must be at least 1");
    }
    connector = connector == null ? "unknown" : connector;
    models = Fields.models(models);
    if (capacity < 1) {
      throw new IllegalArgumentException("field 'capacity' must be at least 1");
    }
  }
}
