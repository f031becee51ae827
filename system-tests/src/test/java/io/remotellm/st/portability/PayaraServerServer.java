package io.remotellm.st.portability;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.st.support.Wait;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Payara Server from its distribution zip, set up as an operator would: a new domain, started, then
 * {@code server-config/payara-server/configure-broker.sh} run against it, twice, as an operator
 * re-running it after an upgrade would. Keys reach the server as env variables of the domain's
 * process, as that directory's README says.
 */
final class PayaraServerServer implements BrokerServer {

  private static final String DOMAIN = "broker";

  /** What {@code create-domain --portbase} adds to the base for each port the domain opens. */
  private static final int[] PORTS = {80, 81, 48, 37, 38, 39, 86, 76, 66, 9, 49, 59};

  /** The application name configure-broker.sh deploys under. */
  private static final String APPLICATION = "remotellm-broker";

  /** Above env variables (300) and system properties (400); Payara's default for it is 110. */
  private static final int DOMAIN_ORDINAL = 450;

  private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(3);

  private final ServerProcess process;
  private final Path asadmin;
  private final Path domains;
  private final int portBase;

  private PayaraServerServer(ServerProcess process, Path asadmin, Path domains, int portBase) {
    this.process = process;
    this.asadmin = asadmin;
    this.domains = domains;
    this.portBase = portBase;
  }

  static PayaraServerServer start(Path home, Deployment deployment) {
    Path base = RunFiles.runDir("payara-server");
    Path domains = base.resolve("domains");
    Path asadmin = home.resolve("bin/asadmin");
    int portBase = FreePort.offsetWithAllFree(PORTS);
    ServerProcess.run(
        "portability-payara-server-create-domain",
        List.of(
            asadmin.toString(),
            "--interactive=false",
            "create-domain",
            "--nopassword=true",
            "--portbase",
            String.valueOf(portBase),
            "--domaindir",
            domains.toString(),
            DOMAIN),
        base,
        Map.of(),
        TOOL_TIMEOUT);

    // --verbose keeps the domain in the foreground: this process is the server's lifetime.
    ServerProcess process =
        ServerProcess.start(
            "portability-payara-server",
            List.of(
                asadmin.toString(),
                "start-domain",
                "--verbose",
                "--domaindir",
                domains.toString(),
                DOMAIN),
            base,
            deployment.env());
    PayaraServerServer server = new PayaraServerServer(process, asadmin, domains, portBase);
    try {
      Wait.until(
          "Payara Server's admin port " + server.adminPort(),
          TOOL_TIMEOUT,
          () -> {
            if (!process.isAlive()) {
              throw new AssertionError("Payara Server exited:\n" + process.output());
            }
            return ProductRun.status(
                    HttpRequest.newBuilder(
                            URI.create(
                                "http://127.0.0.1:"
                                    + server.adminPort()
                                    + "/management/domain/version"))
                        .header("Accept", "application/json")
                        .build())
                == 200;
          });
      String first = server.configure(deployment, "first");
      String again = server.configure(deployment, "again");
      for (String output : List.of(first, again)) {
        if (output.contains("failed") || !output.contains("Command deploy executed successfully")) {
          throw new AssertionError(
              "configure-broker.sh did not set the domain up cleanly:\n" + output);
        }
      }
      return server;
    } catch (RuntimeException | AssertionError e) {
      server.close();
      throw e;
    }
  }

  private String configure(Deployment deployment, String run) {
    List<String> command = new ArrayList<>();
    command.add(
        ProductProcess.root()
            .resolve("server-config/payara-server/configure-broker.sh")
            .toString());
    command.addAll(List.of("--war", deployment.war().toString()));
    command.addAll(List.of("--connector-config", deployment.connectorConfig().toString()));
    command.addAll(List.of("--log-level", "INFO", "--", "--port", String.valueOf(adminPort())));
    return ServerProcess.run(
        "portability-payara-server-configure-" + run,
        command,
        domains.getParent(),
        Map.of("ASADMIN", asadmin.toString()),
        TOOL_TIMEOUT);
  }

  /**
   * What server-config/payara-server/README.md shows: {@code asadmin set-config-property
   * --source=domain} per setting. The keys of this deployment are env variables of the domain's
   * process, so the domain source is first put above them with {@code set-config-ordinal}, as that
   * README tells an operator who moves a setting from the env into the domain.
   */
  @Override
  public boolean changeSettings(Map<String, String> settings) {
    List<List<String>> commands = new ArrayList<>();
    commands.add(List.of("set-config-ordinal", "--source=domain", "--ordinal=" + DOMAIN_ORDINAL));
    settings.forEach(
        (name, value) ->
            commands.add(
                List.of(
                    "set-config-property",
                    "--source=domain",
                    "--propertyName=" + name,
                    "--propertyValue=" + value)));
    commands.forEach(this::asadmin);
    return false;
  }

  /** The application disabled and enabled again (the console's Reload): it reads its settings. */
  @Override
  public void reloadApplication() {
    asadmin(List.of("disable", APPLICATION));
    asadmin(List.of("enable", APPLICATION));
  }

  private void asadmin(List<String> command) {
    List<String> line =
        new ArrayList<>(List.of(asadmin.toString(), "--port", String.valueOf(adminPort())));
    line.addAll(command);
    ServerProcess.run(
        "portability-payara-server-" + command.get(0),
        line,
        domains.getParent(),
        Map.of(),
        TOOL_TIMEOUT);
  }

  private int adminPort() {
    return portBase + 48;
  }

  @Override
  public String name() {
    return "Payara Server";
  }

  @Override
  public int apiPort() {
    return portBase + 80;
  }

  @Override
  public URI health() {
    return URI.create("http://127.0.0.1:" + apiPort() + "/health");
  }

  /** The domain's server.log, JSON lines once configure-broker.sh has set the format. */
  @Override
  public Path log() {
    return domains.resolve(DOMAIN).resolve("logs/server.log");
  }

  @Override
  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        ServerProcess.run(
            "portability-payara-server-stop",
            List.of(asadmin.toString(), "stop-domain", "--domaindir", domains.toString(), DOMAIN),
            domains.getParent(),
            Map.of(),
            TOOL_TIMEOUT);
      } catch (AssertionError e) {
        // The process tree is signalled below anyway.
      }
    }
    process.close();
  }
}
