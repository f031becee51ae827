package io.remotellm.connector.config;

import io.remotellm.protocol.LlmApi;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;

/**
 * Everything the connector is told at start, validated and normalised.
 *
 * @param llmUrl the LLM's base URL without a trailing slash; null when {@code demo}
 * @param demo serve the built-in demo model instead of forwarding to an LLM
 * @param brokerUrls the brokers' relay sockets, each ending in {@code /ws}, in the order they are
 *     dialled: one at a time, the next one when the current one is lost (at least one)
 * @param brokerToken the connector's secret token, shown at the upgrade
 * @param models the models served; empty means "ask the LLM"
 * @param llmApiKey a key for a local LLM that wants one, or null; a key the broker injects wins
 * @param llmConnectTimeout how long to wait for a TCP connection to the LLM
 * @param llmTimeout how long to wait for the LLM to start answering (status and headers)
 * @param capacity how many requests run at once; more get a 503 so the broker can go elsewhere
 * @param llmConnections how many calls to the LLM run at once; the other requests wait in line
 * @param drainTimeout on SIGTERM, how long in-flight requests may take to finish
 * @param reconnectInitial the first reconnect delay's ceiling
 * @param reconnectMax the cap of the reconnect delay
 * @param reconnectResetAfter a connection up this long resets the backoff
 * @param probeInterval how often the LLM's availability is checked
 * @param brokerTrust the certificates a {@code wss://} broker is checked against; null: the JDK's
 * @param apis the API families the LLM speaks ({@code --llm-api}); empty means "ask the LLM"
 */
public record ConnectorConfig(
    URI llmUrl,
    boolean demo,
    List<URI> brokerUrls,
    String brokerToken,
    List<String> models,
    int healthPort,
    Level logLevel,
    String llmApiKey,
    Duration llmConnectTimeout,
    Duration llmTimeout,
    int capacity,
    int llmConnections,
    Duration drainTimeout,
    Duration reconnectInitial,
    Duration reconnectMax,
    Duration reconnectResetAfter,
    Duration probeInterval,
    BrokerTrust brokerTrust,
    Set<LlmApi> apis) {

  public ConnectorConfig {
    models = List.copyOf(models);
    brokerUrls = List.copyOf(brokerUrls);
    if (brokerUrls.isEmpty()) {
      throw new IllegalArgumentException("at least one broker URL is required");
    }
    apis = apis == null ? Set.of() : Set.copyOf(apis);
    if (!demo && llmUrl == null) {
      throw new IllegalArgumentException("llmUrl is required unless demo");
    }
    if (brokerToken == null || brokerToken.isEmpty()) {
      throw new IllegalArgumentException("brokerToken is required");
    }
  }

  /** The broker dialled first. */
  public URI brokerUrl() {
    return brokerUrls.get(0);
  }

  /** Never shows the token or the key, only whether they are set. */
  @Override
  public String toString() {
    return "ConnectorConfig[llmUrl="
        + (demo ? "demo" : llmUrl)
        + ", brokerUrls="
        + brokerUrls
        + ", models="
        + models
        + ", healthPort="
        + healthPort
        + ", capacity="
        + capacity
        + ", llmConnections="
        + llmConnections
        + ", apis="
        + (apis.isEmpty() ? "detect" : LlmApi.wireNames(apis))
        + ", llmApiKey="
        + (llmApiKey == null ? "unset" : "set")
        + ", brokerTrust="
        + (brokerTrust == null ? "JDK default" : brokerTrust.source())
        + "]";
  }

  public ConnectorConfig withHealthPort(int port) {
    return new ConnectorConfig(
        llmUrl,
        demo,
        brokerUrls,
        brokerToken,
        models,
        port,
        logLevel,
        llmApiKey,
        llmConnectTimeout,
        llmTimeout,
        capacity,
        llmConnections,
        drainTimeout,
        reconnectInitial,
        reconnectMax,
        reconnectResetAfter,
        probeInterval,
        brokerTrust,
        apis);
  }

  public ConnectorConfig withModels(List<String> served) {
    return new ConnectorConfig(
        llmUrl,
        demo,
        brokerUrls,
        brokerToken,
        served,
        healthPort,
        logLevel,
        llmApiKey,
        llmConnectTimeout,
        llmTimeout,
        capacity,
        llmConnections,
        drainTimeout,
        reconnectInitial,
        reconnectMax,
        reconnectResetAfter,
        probeInterval,
        brokerTrust,
        apis);
  }
}
