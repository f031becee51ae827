package io.remotellm.connector.config;

import io.remotellm.protocol.LlmApi;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Level;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Checks the parsed options and makes them a {@link ConnectorConfig}: required values present, URLs
 * of the right kind, numbers in range, the broker's CA certificates readable. Each mistake is a
 * {@link ParameterException} with a message for the operator.
 */
final class ConnectorOptionChecks {
  private ConnectorOptionChecks() {}

  /**
   * The configuration the options describe, or a {@link ParameterException} saying what is wrong.
   * Without {@code files}, CA certificates and truststores are not read (see {@link
   * ConnectorCommandLine}'s installer modes).
   */
  static ConnectorConfig toConfig(ConnectorCommandLine o, CommandLine cli, boolean files) {
    List<String> missing = new ArrayList<>();
    List<String> brokers =
        o.brokerUrls.stream().map(String::trim).filter(u -> !u.isEmpty()).toList();
    if (brokers.isEmpty()) {
      missing.add("--broker-url (or REMOTELLM_BROKER_URL)");
    }
    if (o.brokerToken == null || o.brokerToken.isBlank()) {
      missing.add("--broker-token (or REMOTELLM_BROKER_TOKEN)");
    }
    if (!missing.isEmpty()) {
      throw new ParameterException(cli, "missing " + String.join(" and ", missing));
    }
    boolean demo = "demo".equalsIgnoreCase(o.llmUrl.trim());
    URI llm = demo ? null : llmUrl(cli, o.llmUrl.trim());
    List<String> served =
        o.models.stream().map(String::trim).filter(m -> !m.isEmpty()).distinct().toList();
    if (o.healthPort < 0 || o.healthPort > 65535) {
      throw new ParameterException(cli, "--health-port must be 0..65535, got " + o.healthPort);
    }
    if (o.capacity < 1) {
      throw new ParameterException(cli, "--capacity must be at least 1, got " + o.capacity);
    }
    if (o.llmConnections < 1) {
      throw new ParameterException(
          cli, "--llm-connections must be at least 1, got " + o.llmConnections);
    }
    String key = o.llmApiKey == null || o.llmApiKey.isBlank() ? null : o.llmApiKey.trim();
    BrokerTrust trust = files ? trust(o, cli) : null;
    Set<LlmApi> apis;
    try {
      apis = o.llmApi == null || o.llmApi.isBlank() ? Set.of() : LlmApi.parseList(o.llmApi);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cli, "--llm-api: " + e.getMessage());
    }
    return new ConnectorConfig(
        llm,
        demo,
        brokers.stream().map(u -> brokerUrl(cli, u)).distinct().toList(),
        o.brokerToken.trim(),
        served,
        o.healthPort,
        level(cli, o.logLevel),
        key,
        seconds(cli, "--llm-connect-timeout", o.llmConnectTimeout),
        seconds(cli, "--llm-timeout", o.llmTimeout),
        o.capacity,
        o.llmConnections,
        seconds(cli, "--drain-timeout", o.drainTimeout),
        seconds(cli, "--reconnect-initial", o.reconnectInitial),
        seconds(cli, "--reconnect-max", o.reconnectMax),
        seconds(cli, "--reconnect-reset-after", o.reconnectResetAfter),
        seconds(cli, "--llm-probe-interval", o.probeInterval),
        trust,
        apis);
  }

  /** The broker's CA certificates, if given: read now, so a bad file is a command-line error. */
  private static BrokerTrust trust(ConnectorCommandLine o, CommandLine cli) {
    List<Path> pems =
        o.caCerts.stream().map(String::trim).filter(p -> !p.isEmpty()).map(Path::of).toList();
    Path store =
        o.truststore == null || o.truststore.isBlank() ? null : Path.of(o.truststore.trim());
    if (pems.isEmpty() && store == null) {
      return null;
    }
    char[] password =
        o.truststorePassword == null || o.truststorePassword.isEmpty()
            ? null
            : o.truststorePassword.toCharArray();
    try {
      return BrokerTrust.load(pems, store, password);
    } catch (BrokerTrust.TrustException e) {
      throw new ParameterException(cli, e.getMessage());
    }
  }

  /** ws:// or wss:// with a host; no path, or a path not ending in /ws, gets /ws appended. */
  static URI brokerUrl(CommandLine cli, String text) {
    URI uri = uri(cli, "--broker-url", text);
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("ws") && !scheme.equals("wss")) {
      throw new ParameterException(
          cli, "--broker-url must start with ws:// or wss://, got '" + shown(text) + "'");
    }
    if (uri.getHost() == null) {
      throw new ParameterException(cli, "--broker-url has no host: '" + shown(text) + "'");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (!path.endsWith("/ws")) {
      path = path + "/ws";
    }
    try {
      return new URI(
          scheme,
          uri.getRawUserInfo(),
          uri.getHost(),
          uri.getPort(),
          path,
          uri.getRawQuery(),
          null);
    } catch (URISyntaxException e) {
      throw new ParameterException(cli, "--broker-url is not a valid URL: '" + shown(text) + "'");
    }
  }

  static URI llmUrl(CommandLine cli, String text) {
    URI uri = uri(cli, "--llm-url", text);
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new ParameterException(
          cli,
          "--llm-url must start with http:// or https:// (or be 'demo'), got '"
              + shown(text)
              + "'");
    }
    if (uri.getHost() == null) {
      throw new ParameterException(cli, "--llm-url has no host: '" + shown(text) + "'");
    }
    String s = uri.toString();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return URI.create(s);
  }

  private static URI uri(CommandLine cli, String option, String text) {
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      throw new ParameterException(cli, option + " is not a valid URL: '" + shown(text) + "'");
    }
  }

  /**
   * A URL as an error message may show it: a password in it ({@code user:secret@host}) is left out,
   * as messages reach logs and installers' output.
   */
  static String shown(String text) {
    int at = text.lastIndexOf('@');
    int scheme = text.indexOf("://");
    if (at < 0) {
      return text;
    }
    return (scheme >= 0 && scheme < at ? text.substring(0, scheme + 3) : "")
        + "***"
        + text.substring(at);
  }

  /** Python's level names (the seed's), and JUL's. */
  static Level level(CommandLine cli, String name) {
    switch (name.trim().toUpperCase(Locale.ROOT)) {
      case "TRACE", "FINEST":
        return Level.FINEST;
      case "DEBUG", "FINE":
        return Level.FINE;
      case "INFO":
        return Level.INFO;
      case "WARN", "WARNING":
        return Level.WARNING;
      case "ERROR", "CRITICAL", "SEVERE":
        return Level.SEVERE;
      default:
        throw new ParameterException(
            cli, "--log-level must be DEBUG, INFO, WARNING or ERROR, got '" + name + "'");
    }
  }

  private static Duration seconds(CommandLine cli, String option, double seconds) {
    if (!(seconds > 0) || Double.isInfinite(seconds)) {
      throw new ParameterException(cli, option + " must be a positive number of seconds");
    }
    return Duration.ofNanos((long) (seconds * 1e9));
  }
}
