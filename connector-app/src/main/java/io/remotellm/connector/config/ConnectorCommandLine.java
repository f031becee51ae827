package io.remotellm.connector.config;

import io.remotellm.protocol.LlmApi;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The seed's connector CLI, flag for flag, with the {@code REMOTELLM_*} variables as defaults. A
 * mistake ends in one line on stderr and exit code 2, never a stack trace.
 */
@Command(
    name = "remotellm-connector",
    mixinStandardHelpOptions = true,
    versionProvider = ConnectorCommandLine.Version.class,
    sortOptions = false,
    usageHelpWidth = 110,
    description = {
      "Connects a local LLM server to a RemoteLLM broker: dials out to the broker's WebSocket relay "
          + "(works behind NAT) and forwards the requests it is given to the LLM. "
          + "Every option can also be set through the environment variable shown.",
      ""
    })
public final class ConnectorCommandLine {

  /** What parsing came to: a configuration to run, or an exit code (help, version, error). */
  public record Outcome(ConnectorConfig config, int exitCode) {
    public boolean run() {
      return config != null;
    }
  }

  @Option(
      names = "--llm-url",
      paramLabel = "URL",
      description =
          "Local LLM server URL, or 'demo' for the built-in demo model (REMOTELLM_LLM_URL; default ${DEFAULT-VALUE})")
  String llmUrl;

  @Option(
      names = "--broker-url",
      paramLabel = "URL",
      description =
          "Broker WebSocket URL, ws:// or wss://, with or without /ws (REMOTELLM_BROKER_URL; required)")
  String brokerUrl;

  @Option(
      names = "--broker-token",
      paramLabel = "TOKEN",
      description = "Broker auth token (REMOTELLM_BROKER_TOKEN; required)")
  String brokerToken;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      split = ",",
      description =
          "Model name served by this connector; repeat for several (REMOTELLM_MODELS, comma-separated; default: ask the LLM)")
  List<String> models = new ArrayList<>();

  @Option(
      names = "--health-port",
      paramLabel = "PORT",
      description = "Health endpoint port (REMOTELLM_HEALTH_PORT; default ${DEFAULT-VALUE})")
  int healthPort;

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      description = "DEBUG, INFO, WARNING or ERROR (REMOTELLM_LOG_LEVEL; default ${DEFAULT-VALUE})")
  String logLevel;

  @Option(
      names = "--llm-api-key",
      paramLabel = "KEY",
      description =
          "API key for a local LLM that needs one; a key injected by the broker wins (REMOTELLM_LLM_API_KEY)")
  String llmApiKey;

  @Option(
      names = "--llm-api",
      paramLabel = "LIST",
      description =
          "API families the LLM speaks, a comma list of openai, responses, anthropic, ollama (REMOTELLM_LLM_API; default: ask the LLM at start: an Ollama says by its version, anything else is openai)")
  String llmApi;

  @Option(
      names = "--llm-connect-timeout",
      paramLabel = "SECONDS",
      description =
          "Time to connect to the LLM (REMOTELLM_LLM_CONNECT_TIMEOUT; default ${DEFAULT-VALUE})")
  double llmConnectTimeout;

  @Option(
      names = "--llm-timeout",
      paramLabel = "SECONDS",
      description =
          "Time for the LLM to start answering (REMOTELLM_LLM_TIMEOUT; default ${DEFAULT-VALUE})")
  double llmTimeout;

  @Option(
      names = "--capacity",
      paramLabel = "N",
      description =
          "Requests handled at once; more are refused so the broker can go elsewhere (REMOTELLM_CAPACITY; default ${DEFAULT-VALUE})")
  int capacity;

  @Option(
      names = "--llm-connections",
      paramLabel = "N",
      description =
          "Calls to the LLM at once; further requests wait in line, in order"
              + " (REMOTELLM_LLM_CONNECTIONS; default ${DEFAULT-VALUE})")
  int llmConnections;

  @Option(
      names = "--drain-timeout",
      paramLabel = "SECONDS",
      description =
          "On SIGTERM, how long in-flight requests may finish (REMOTELLM_DRAIN_TIMEOUT; default ${DEFAULT-VALUE})")
  double drainTimeout;

  @Option(
      names = "--reconnect-initial",
      paramLabel = "SECONDS",
      description =
          "First reconnect delay ceiling (REMOTELLM_RECONNECT_INITIAL; default ${DEFAULT-VALUE})")
  double reconnectInitial;

  @Option(
      names = "--reconnect-max",
      paramLabel = "SECONDS",
      description = "Reconnect delay cap (REMOTELLM_RECONNECT_MAX; default ${DEFAULT-VALUE})")
  double reconnectMax;

  @Option(
      names = "--reconnect-reset-after",
      paramLabel = "SECONDS",
      description =
          "A connection up this long resets the backoff (REMOTELLM_RECONNECT_RESET_AFTER; default ${DEFAULT-VALUE})")
  double reconnectResetAfter;

  @Option(
      names = "--llm-probe-interval",
      paramLabel = "SECONDS",
      description =
          "How often the LLM's availability is checked (REMOTELLM_LLM_PROBE_INTERVAL; default ${DEFAULT-VALUE})")
  double probeInterval;

  @Option(
      names = "--ca-cert",
      paramLabel = "FILE",
      split = ",",
      description =
          "PEM file of the CA certificate(s) a wss:// broker's certificate must chain to, trusted instead of the JDK's CAs; repeatable (REMOTELLM_CA_CERT, comma-separated)")
  List<String> caCerts = new ArrayList<>();

  @Option(
      names = "--truststore",
      paramLabel = "FILE",
      description =
          "PKCS12 or JKS truststore for the broker's certificate, trusted instead of the JDK's CAs (REMOTELLM_TRUSTSTORE)")
  String truststore;

  @Option(
      names = "--truststore-password",
      paramLabel = "PASSWORD",
      description =
          "Password of --truststore (REMOTELLM_TRUSTSTORE_PASSWORD; the variable keeps it out of ps)")
  String truststorePassword;

  /** Parses {@code args} with {@code env} as the environment; help and errors go to out and err. */
  public static Outcome parse(
      String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    ConnectorCommandLine options = new ConnectorCommandLine();
    CommandLine cli = new CommandLine(options);
    cli.setDefaultValueProvider(new EnvironmentDefaults(env));
    try {
      cli.parseArgs(args);
      if (cli.isUsageHelpRequested()) {
        cli.usage(out);
        out.flush();
        return new Outcome(null, 0);
      }
      if (cli.isVersionHelpRequested()) {
        cli.printVersionHelp(out);
        out.flush();
        return new Outcome(null, 0);
      }
      return new Outcome(options.toConfig(cli), 0);
    } catch (ParameterException e) {
      err.println("remotellm-connector: " + e.getMessage() + " (see --help)");
      err.flush();
      return new Outcome(null, 2);
    }
  }

  private ConnectorConfig toConfig(CommandLine cli) {
    if (brokerUrl == null || brokerUrl.isBlank()) {
      throw new ParameterException(cli, "missing --broker-url (or REMOTELLM_BROKER_URL)");
    }
    if (brokerToken == null || brokerToken.isBlank()) {
      throw new ParameterException(cli, "missing --broker-token (or REMOTELLM_BROKER_TOKEN)");
    }
    boolean demo = "demo".equalsIgnoreCase(llmUrl.trim());
    URI llm = demo ? null : llmUrl(cli, llmUrl.trim());
    List<String> served =
        models.stream().map(String::trim).filter(m -> !m.isEmpty()).distinct().toList();
    if (healthPort < 0 || healthPort > 65535) {
      throw new ParameterException(cli, "--health-port must be 0..65535, got " + healthPort);
    }
    if (capacity < 1) {
      throw new ParameterException(cli, "--capacity must be at least 1, got " + capacity);
    }
    if (llmConnections < 1) {
      throw new ParameterException(
          cli, "--llm-connections must be at least 1, got " + llmConnections);
    }
    String key = llmApiKey == null || llmApiKey.isBlank() ? null : llmApiKey.trim();
    BrokerTrust trust = trust(cli);
    Set<LlmApi> apis;
    try {
      apis = llmApi == null || llmApi.isBlank() ? Set.of() : LlmApi.parseList(llmApi);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cli, "--llm-api: " + e.getMessage());
    }
    return new ConnectorConfig(
        llm,
        demo,
        brokerUrl(cli, brokerUrl.trim()),
        brokerToken.trim(),
        served,
        healthPort,
        level(cli, logLevel),
        key,
        seconds(cli, "--llm-connect-timeout", llmConnectTimeout),
        seconds(cli, "--llm-timeout", llmTimeout),
        capacity,
        llmConnections,
        seconds(cli, "--drain-timeout", drainTimeout),
        seconds(cli, "--reconnect-initial", reconnectInitial),
        seconds(cli, "--reconnect-max", reconnectMax),
        seconds(cli, "--reconnect-reset-after", reconnectResetAfter),
        seconds(cli, "--llm-probe-interval", probeInterval),
        trust,
        apis);
  }

  /** The broker's CA certificates, if given: read now, so a bad file is a command-line error. */
  private BrokerTrust trust(CommandLine cli) {
    List<Path> pems =
        caCerts.stream().map(String::trim).filter(p -> !p.isEmpty()).map(Path::of).toList();
    Path store = truststore == null || truststore.isBlank() ? null : Path.of(truststore.trim());
    if (pems.isEmpty() && store == null) {
      return null;
    }
    char[] password =
        truststorePassword == null || truststorePassword.isEmpty()
            ? null
            : truststorePassword.toCharArray();
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
          cli, "--broker-url must start with ws:// or wss://, got '" + text + "'");
    }
    if (uri.getHost() == null) {
      throw new ParameterException(cli, "--broker-url has no host: '" + text + "'");
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
      throw new ParameterException(cli, "--broker-url is not a valid URL: '" + text + "'");
    }
  }

  static URI llmUrl(CommandLine cli, String text) {
    URI uri = uri(cli, "--llm-url", text);
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new ParameterException(
          cli, "--llm-url must start with http:// or https:// (or be 'demo'), got '" + text + "'");
    }
    if (uri.getHost() == null) {
      throw new ParameterException(cli, "--llm-url has no host: '" + text + "'");
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
      throw new ParameterException(cli, option + " is not a valid URL: '" + text + "'");
    }
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

  /** The jar's version, from its manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"remotellm-connector " + version()};
    }
  }

  public static String version() {
    String v = ConnectorCommandLine.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
