package io.remotellm.protocol;

import java.util.List;
import java.util.Set;

/**
 * Connector → broker, first frame after the socket opens.
 *
 * @param protocol the protocol version the connector speaks
 * @param connector the connector's name and version, for logs
 * @param models the model names it serves
 * @param capacity how many requests it takes at once
 * @param apis the API families its LLM speaks ({@link LlmApi} wire names); absent (an older
 *     connector) means {@code openai} only
 */
public record Hello(
    int protocol, String connector, List<String> models, int capacity, List<String> apis)
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
    apis = apis == null ? null : Fields.names(apis, "apis");
  }

  /** A connector that names no APIs: it offers {@code openai} only. */
  public Hello(int protocol, String connector, List<String> models, int capacity) {
    this(protocol, connector, models, capacity, null);
  }

  /** The families offered that this version knows. */
  public Set<LlmApi> offered() {
    return LlmApi.fromWire(apis);
  }
}
