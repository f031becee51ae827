package io.remotellm.broker.config;

import io.remotellm.broker.users.UserConfigParser;
import io.remotellm.settings.BrokerProperties;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Every setting of the broker, read once through MicroProfile Config: each one's name and default
 * are written here only (the {@code defaultValue}s; the WAR has no microprofile-config.properties
 * repeating them), or, for the few the launcher sets too, in {@link BrokerProperties}. System
 * properties and env variables (e.g. {@code REMOTELLM_BROKER_USER_API_KEYS}) override the defaults
 * by MP Config's rules.
 */
@ApplicationScoped
public class BrokerSettings {

  @Inject
  @ConfigProperty(name = BrokerProperties.CONNECTOR_TOKENS)
  Optional<String> connectorTokens;

  @Inject
  @ConfigProperty(name = BrokerProperties.USER_API_KEYS)
  Optional<String> userApiKeys;

  @Inject
  @ConfigProperty(name = BrokerProperties.ADMIN_KEYS)
  Optional<String> adminKeys;

  @Inject
  @ConfigProperty(name = BrokerProperties.CONNECTOR_CONFIG)
  Optional<String> connectorConfig;

  @Inject
  @ConfigProperty(name = "remotellm.broker.connector-config-reload-seconds", defaultValue = "2")
  long connectorConfigReloadSeconds;

  @Inject
  @ConfigProperty(name = BrokerProperties.USER_CONFIG)
  Optional<String> userConfig;

  @Inject
  @ConfigProperty(name = "remotellm.broker.user-config-reload-seconds", defaultValue = "2")
  long userConfigReloadSeconds;

  @Inject
  @ConfigProperty(name = BrokerProperties.METRICS_TOKEN)
  Optional<String> metricsToken;

  @Inject
  @ConfigProperty(name = "remotellm.broker.metrics-enabled", defaultValue = "true")
  boolean metricsEnabled;

  @Inject
  @ConfigProperty(name = "remotellm.broker.metrics-user-label", defaultValue = "true")
  boolean metricsUserLabel;

  @Inject
  @ConfigProperty(name = "remotellm.broker.metrics-max-models", defaultValue = "200")
  int metricsMaxModels;

  @Inject
  @ConfigProperty(
      name = BrokerProperties.LOG_LEVEL,
      defaultValue = BrokerProperties.LOG_LEVEL_DEFAULT)
  String logLevel;

  @Inject
  @ConfigProperty(
      name = BrokerProperties.ALLOW_ANONYMOUS,
      defaultValue = BrokerProperties.ALLOW_ANONYMOUS_DEFAULT)
  boolean allowAnonymous;

  @Inject
  @ConfigProperty(name = "remotellm.broker.max-body-bytes", defaultValue = "16777216")
  long maxBodyBytes;

  @Inject
  @ConfigProperty(name = "remotellm.broker.max-frame-bytes", defaultValue = "33554432")
  int maxFrameBytes;

  static final int MIN_FRAME_BYTES = 1024 * 1024;

  /** 1 MiB; also what an SSE sink made without settings holds. */
  public static final String MAX_BUFFERED_BYTES_PER_STREAM_DEFAULT = "1048576";

  @Inject
  @ConfigProperty(name = "remotellm.broker.upstream-timeout-seconds", defaultValue = "600")
  long upstreamTimeoutSeconds;

  @Inject
  @ConfigProperty(name = "remotellm.broker.keepalive-seconds", defaultValue = "15")
  long keepaliveSeconds;

  @Inject
  @ConfigProperty(name = "remotellm.broker.heartbeat-seconds", defaultValue = "15")
  int heartbeatSeconds;

  @Inject
  @ConfigProperty(name = "remotellm.broker.drain-seconds", defaultValue = "30")
  long drainSeconds;

  @Inject
  @ConfigProperty(
      name = "remotellm.broker.max-buffered-bytes-per-stream",
      defaultValue = MAX_BUFFERED_BYTES_PER_STREAM_DEFAULT)
  long maxBufferedBytesPerStream;

  @Inject
  @ConfigProperty(name = "remotellm.broker.login-free-failures", defaultValue = "5")
  int loginFreeFailures;

  @Inject
  @ConfigProperty(name = "remotellm.broker.login-max-delay-seconds", defaultValue = "60")
  long loginMaxDelaySeconds;

  @Inject
  @ConfigProperty(name = "remotellm.broker.trusted-proxies")
  Optional<String> trustedProxies;

  public List<String> userApiKeys() {
    return CommaList.parse(userApiKeys);
  }

  /** Keys for {@code /admin} and {@code /admin/api/}; none means neither exists (404). */
  public List<String> adminKeys() {
    return CommaList.parse(adminKeys);
  }

  /** Tokens from the list setting and from the YAML file; the file's entries carry LLM keys. */
  public List<ConnectorEntry> connectors() {
    List<ConnectorEntry> all = new ArrayList<>();
    for (String token : CommaList.parse(connectorTokens)) {
      all.add(new ConnectorEntry(token, Optional.empty()));
    }
    Optional<String> path = connectorConfigFile().map(Path::toString);
    if (path.isPresent()) {
      String text;
      try {
        text = Files.readString(Path.of(path.get()), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new ConfigurationException(
            "cannot read connector config " + path.get() + ": " + e.getClass().getSimpleName(), e);
      }
      all.addAll(new ConnectorConfigParser().parse(text, path.get()));
    }
    return all;
  }

  /** The YAML file of connector tokens and LLM keys, if one is set. */
  public Optional<Path> connectorConfigFile() {
    return connectorConfig.map(String::strip).filter(p -> !p.isEmpty()).map(Path::of);
  }

  /**
   * How often the connector config file is looked at for changes, so tokens can be revoked and LLM
   * keys rotated without a restart; 0 turns that off.
   */
  public Duration connectorConfigReload() {
    return Duration.ofSeconds(Math.max(0, connectorConfigReloadSeconds));
  }

  /** The users file (named keys, allow-lists, limits), if one is set. */
  public Optional<Path> userConfigFile() {
    return userConfig.map(String::strip).filter(p -> !p.isEmpty()).map(Path::of);
  }

  /** The users file as it is on disk now, parsed; empty without one. */
  public UserConfigParser.UserConfig userConfig() {
    Optional<Path> path = userConfigFile();
    if (path.isEmpty()) {
      return UserConfigParser.UserConfig.EMPTY;
    }
    String text;
    try {
      text = Files.readString(path.get(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigurationException(
          "cannot read users file " + path.get() + ": " + e.getClass().getSimpleName(), e);
    }
    return new UserConfigParser().parse(text, path.get().toString());
  }

  /** How often the users file is looked at for changes; 0 turns that off. */
  public Duration userConfigReload() {
    return Duration.ofSeconds(Math.max(0, userConfigReloadSeconds));
  }

  /** The bearer token {@code /metrics} asks for; without one, {@code /metrics} is not served. */
  public Optional<String> metricsToken() {
    return metricsToken.map(String::strip).filter(t -> !t.isEmpty());
  }

  /**
   * Whether the broker records metrics at all; off, nothing is counted and {@code /metrics} does
   * not exist (404), even with a token. For a broker nobody scrapes, and to measure what metrics
   * cost.
   */
  public boolean metricsEnabled() {
    return metricsEnabled;
  }

  /** Whether metrics carry the user's name; off for brokers with very many users. */
  public boolean metricsUserLabel() {
    return metricsUserLabel;
  }

  /** Distinct model names metrics label by; later ones are counted as {@code other}. */
  public int metricsMaxModels() {
    return Math.max(1, metricsMaxModels);
  }

  public String logLevel() {
    return logLevel;
  }

  public boolean allowAnonymous() {
    return allowAnonymous;
  }

  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  /**
   * Never below 1 MiB: a connector's frames legitimately reach a few hundred KiB (a 64 KiB body
   * piece, JSON-escaped; a protocol 2 batch of 32 Ki chars), and a frame over the limit closes the
   * whole link, not one request.
   */
  public int maxFrameBytes() {
    return Math.max(MIN_FRAME_BYTES, maxFrameBytes);
  }

  public Duration upstreamTimeout() {
    return Duration.ofSeconds(Math.max(1, upstreamTimeoutSeconds));
  }

  public Duration keepalive() {
    return Duration.ofSeconds(Math.max(1, keepaliveSeconds));
  }

  public int heartbeatSeconds() {
    return Math.max(1, heartbeatSeconds);
  }

  /** SSE payload a stream may hold unwritten for a slow client before it is cancelled. */
  public long maxBufferedBytesPerStream() {
    return Math.max(64 * 1024, maxBufferedBytesPerStream);
  }

  /** Failed connector logins an address may make in a row before it has to wait. */
  public int loginFreeFailures() {
    return Math.max(1, loginFreeFailures);
  }

  /** Reverse proxies (IP addresses or CIDR ranges) whose X-Forwarded-For names the caller. */
  public List<String> trustedProxies() {
    return CommaList.parse(trustedProxies);
  }

  /** The longest wait a failing address is given, in seconds. */
  public long loginMaxDelaySeconds() {
    return Math.max(1, loginMaxDelaySeconds);
  }

  public Duration drain() {
    return Duration.ofSeconds(Math.max(0, drainSeconds));
  }
}
