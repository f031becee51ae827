package io.remotellm.payaramicro;

import io.remotellm.settings.EnvFile;
import io.remotellm.settings.InstallerModes;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What {@code bin/remotellm-broker} runs first: parses the seed's flags, combines them with the
 * {@code REMOTELLM_BROKER_*} variables ({@link BrokerSettings}), writes Payara Micro's run
 * directory ({@link PayaraMicroRun}) and leaves Payara Micro's command line, NUL-separated, in the
 * file the script names for the script to {@code exec}: the server then has the script's PID,
 * receives SIGTERM directly and its exit code is the script's, as before this launcher existed.
 *
 * <p>The script tells it where things are through {@code REMOTELLM_LAUNCHER_ROOT} (the
 * installation), {@code REMOTELLM_LAUNCHER_RUN_DIR} and {@code REMOTELLM_LAUNCHER_COMMAND_FILE} (a
 * fresh file the script made); they are not settings.
 *
 * <p>Three hidden modes serve the installers, so they need not know the flags ({@link
 * InstallerModes}): {@code --print-options} lists the flags, {@code --check} validates and exits,
 * {@code --print-env} prints the settings as an env file. The last two leave files unread.
 */
@Command(name = "remotellm-broker", usageHelpAutoWidth = false)
public final class BrokerLauncher {

  @Option(names = "--host")
  String host;

  @Option(names = "--port")
  String port;

  @Option(names = "--connector-token")
  List<String> connectorTokens;

  @Option(names = "--user-api-key")
  List<String> userApiKeys;

  @Option(names = "--admin-key")
  List<String> adminKeys;

  @Option(names = "--connector-config")
  String connectorConfig;

  @Option(names = "--user-config")
  String userConfig;

  @Option(names = "--metrics-token")
  String metricsToken;

  @Option(names = "--health-port")
  String healthPort;

  @Option(names = "--log-level")
  String logLevel;

  @Option(names = "--allow-anonymous")
  boolean allowAnonymous;

  @Option(names = "--https-port")
  String httpsPort;

  @Option(names = "--tls-keystore")
  String tlsKeystore;

  @Option(names = "--tls-keystore-password-file")
  String tlsPasswordFile;

  @Option(names = "--tls-key-alias")
  String tlsKeyAlias;

  @Option(names = "--data-dir")
  String dataDir;

  @Option(names = "--database-url")
  String databaseUrl;

  @Option(names = "--database-user")
  String databaseUser;

  @Option(names = "--database-password-file")
  String databasePasswordFile;

  @Option(names = "--cluster-name")
  String clusterName;

  @Option(names = "--cluster-member")
  List<String> clusterMembers;

  @Option(names = "--cluster-port")
  String clusterPort;

  @Option(names = "--public-url")
  String publicUrl;

  @Option(names = "--cluster-secret-file")
  String clusterSecretFile;

  @Option(names = {"-h", "--help"})
  boolean help;

  @Option(names = InstallerModes.CHECK, hidden = true)
  boolean check;

  @Option(names = InstallerModes.PRINT_ENV, hidden = true)
  boolean printEnv;

  @Option(names = InstallerModes.PRINT_OPTIONS, hidden = true)
  boolean printOptions;

  public static void main(String[] args) {
    System.exit(run(args, System.getenv(), System.out, System.err));
  }

  /** Runs the launcher; returns the exit code (0, 1 for a failure to write files, 2 for usage). */
  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    BrokerLauncher flags = new BrokerLauncher();
    try {
      parse(flags, args);
      if (flags.help) {
        out.print(usage());
        return 0;
      }
      if (flags.printOptions) {
        out.print(options());
        return 0;
      }
      if (flags.check || flags.printEnv) {
        // For a machine being set up, where the files named may not exist yet.
        BrokerSettings settings = BrokerSettings.resolve(flags, env, false);
        if (flags.printEnv) {
          out.print(BrokerEnvFile.of(settings));
        }
        return 0;
      }
      BrokerSettings settings = BrokerSettings.resolve(flags, env);
      String root = env.getOrDefault("REMOTELLM_LAUNCHER_ROOT", "");
      String runDir = env.getOrDefault("REMOTELLM_LAUNCHER_RUN_DIR", "");
      String commandFile = env.getOrDefault("REMOTELLM_LAUNCHER_COMMAND_FILE", "");
      if (root.isEmpty() || runDir.isEmpty() || commandFile.isEmpty()) {
        throw new UsageException("start the broker with bin/remotellm-broker");
      }
      PayaraMicroRun run = new PayaraMicroRun(Path.of(root), Path.of(runDir));
      run.prepareRunDir();
      List<String> command = run.write(settings, env);
      // The script made this file (mktemp, mode 0600) and exec's what it finds in it.
      Files.writeString(
          Path.of(commandFile), String.join("\0", command) + "\0", StandardCharsets.UTF_8);
      err.println("remotellm-broker: " + summary(settings));
      return 0;
    } catch (UsageException | EnvFile.ValueException e) {
      err.println("remotellm-broker: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("remotellm-broker: cannot prepare Payara Micro's run directory: " + e);
      return 1;
    }
  }

  static void parse(BrokerLauncher flags, String[] args) throws UsageException {
    CommandLine cli = new CommandLine(flags);
    try {
      cli.parseArgs(args);
    } catch (CommandLine.MissingParameterException e) {
      String flag = e.getMissing().isEmpty() ? "an option" : optionName(e.getMissing().get(0));
      throw new UsageException(flag + " needs a value (see --help)");
    } catch (CommandLine.UnmatchedArgumentException e) {
      throw new UsageException("unknown option '" + e.getUnmatched().get(0) + "' (see --help)");
    } catch (CommandLine.ParameterException e) {
      throw new UsageException(e.getMessage() + " (see --help)");
    }
    // An empty value is as good as a missing one (the script said so too).
    for (CommandLine.Model.OptionSpec option : cli.getParseResult().matchedOptions()) {
      if (option.arity().max() > 0) {
        for (String value : option.stringValues()) {
          if (value.isEmpty()) {
            throw new UsageException(option.longestName() + " needs a value (see --help)");
          }
        }
      }
    }
  }

  /** The flags an operator may give, for {@code --print-options}. */
  static String options() {
    StringBuilder lines = new StringBuilder();
    for (CommandLine.Model.OptionSpec option :
        new CommandLine(new BrokerLauncher()).getCommandSpec().options()) {
      if (!option.hidden() && !option.longestName().equals("--help")) {
        lines.append(InstallerModes.optionLine(option.longestName(), option.arity().max() > 0));
      }
    }
    return lines.toString();
  }

  private static String optionName(CommandLine.Model.ArgSpec spec) {
    return spec instanceof CommandLine.Model.OptionSpec option ? option.longestName() : "an option";
  }

  /** The --help text, kept word for word as the seed's launcher printed it. */
  static String usage() {
    try (InputStream in = BrokerLauncher.class.getResourceAsStream("usage.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("usage.txt is missing from the launcher's jar", e);
    }
  }

  /** The one line on stderr that says what is starting; names no secret. */
  static String summary(BrokerSettings s) {
    StringBuilder line = new StringBuilder();
    line.append("API and relay on ").append(s.host()).append(':').append(s.port());
    line.append(" (/v1, /ws)");
    if (s.tls() != null) {
      line.append(", HTTPS and WSS on ").append(s.host()).append(':').append(s.tls().httpsPort());
      line.append(" (key '").append(s.tls().alias()).append("')");
    }
    line.append(", health on ").append(s.host()).append(':').append(s.healthPort());
    line.append(" (/health), log level ").append(s.logLevel()).append("; ");
    if (s.cluster().clustered()) {
      line.append("cluster '").append(s.cluster().name()).append("' as ");
      line.append(s.cluster().publicUrl()).append(" (grid port ").append(s.cluster().port());
      line.append("); ");
    }
    line.append(s.userApiKeys().isEmpty() ? "NO user API keys" : "user API keys set");
    line.append(", ");
    line.append(
        s.connectorTokens().isEmpty()
            ? "no connector tokens on the command line"
            : "connector tokens set");
    return line.toString();
  }
}
