package io.remotellm.connector.config;

import io.remotellm.settings.EnvFile;
import io.remotellm.settings.InstallerModes;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The seed's connector CLI, flag for flag, with the {@code REMOTELLM_*} variables as defaults
 * ({@link EnvironmentDefaults}); {@link ConnectorOptionChecks} turns the options into a {@link
 * ConnectorConfig}. A mistake ends in one line on stderr and exit code 2, never a stack trace.
 *
 * <p>A new flag: an {@code @Option} field here, its variable and default in {@link
 * EnvironmentDefaults}, its check and field in {@link ConnectorOptionChecks} and {@link
 * ConnectorConfig}. The installers then take it, and write it to env files, by themselves.
 *
 * <p>Three hidden modes serve the installers ({@link InstallerModes}): they list the flags, check
 * them, or print them as an env file ({@link ConnectorEnvFile}), reading no file and starting
 * nothing.
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
      split = ",",
      description =
          "Broker WebSocket URL, ws:// or wss://, with or without /ws (REMOTELLM_BROKER_URL; required);"
              + " repeat for several brokers of one cluster (the variable comma-separated): the"
              + " connector attaches to one at a time and, when it loses it, dials the next")
  List<String> brokerUrls = new ArrayList<>();

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

  @Option(names = InstallerModes.CHECK, hidden = true)
  boolean check;

  @Option(names = InstallerModes.PRINT_ENV, hidden = true)
  boolean printEnv;

  @Option(names = InstallerModes.PRINT_OPTIONS, hidden = true)
  boolean printOptions;

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
      if (options.printOptions) {
        out.print(options(cli));
        out.flush();
        return new Outcome(null, 0);
      }
      if (options.check || options.printEnv) {
        // For a machine being set up: files named (CA certificates) may not exist here yet.
        ConnectorOptionChecks.toConfig(options, cli, false);
        if (options.printEnv) {
          out.print(ConnectorEnvFile.of(cli, env));
          out.flush();
        }
        return new Outcome(null, 0);
      }
      return new Outcome(ConnectorOptionChecks.toConfig(options, cli, true), 0);
    } catch (ParameterException | EnvFile.ValueException e) {
      err.println("remotellm-connector: " + e.getMessage() + " (see --help)");
      err.flush();
      return new Outcome(null, 2);
    }
  }

  /** The flags an operator may give, for {@code --print-options}. */
  private static String options(CommandLine cli) {
    StringBuilder lines = new StringBuilder();
    for (OptionSpec option : cli.getCommandSpec().options()) {
      if (!option.hidden() && !option.usageHelp() && !option.versionHelp()) {
        lines.append(InstallerModes.optionLine(option.longestName(), option.arity().max() > 0));
      }
    }
    return lines.toString();
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
