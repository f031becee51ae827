package io.remotellm.st.portability;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * WildFly from its distribution zip, set up as an operator would: {@code
 * server-config/wildfly/remotellm-broker.cli} run offline against a fresh copy of the standalone
 * directory, then {@code standalone.sh -c standalone-microprofile.xml}.
 */
final class WildFlyServer implements BrokerServer {

  /** Ports of standalone-microprofile.xml that open at boot; the port offset moves them all. */
  private static final int[] PORTS = {8080, 8443, 9990, 9993, 4712, 4713};

  private final ServerProcess process;
  private final Path home;
  private final Path base;
  private final int offset;

  private WildFlyServer(ServerProcess process, Path home, Path base, int offset) {
    this.process = process;
    this.home = home;
    this.base = base;
    this.offset = offset;
  }

  static WildFlyServer start(Path home, Deployment deployment) {
    Path root = ProductProcess.root();
    Path base = RunFiles.runDir("wildfly");
    RunFiles.copyTree(home.resolve("standalone"), base);
    Path properties = base.resolve("broker.properties");
    RunFiles.write(
        properties,
        String.join(
            "\n",
            "remotellm.war=" + deployment.war(),
            "remotellm.broker.connector-config=" + deployment.connectorConfig(),
            "remotellm.broker.log-level=INFO",
            "remotellm.broker.allow-anonymous=false",
            ""));
    Map<String, String> serverDir = Map.of("JAVA_OPTS", "-Djboss.server.base.dir=" + base);
    ServerProcess.run(
        "portability-wildfly-cli",
        List.of(
            home.resolve("bin/jboss-cli.sh").toString(),
            "--resolve-parameter-values",
            "--properties=" + properties,
            "--file=" + root.resolve("server-config/wildfly/remotellm-broker.cli")),
        base,
        serverDir,
        Duration.ofMinutes(3));

    int offset = FreePort.offsetWithAllFree(PORTS);
    ServerProcess process =
        ServerProcess.start(
            "portability-wildfly",
            List.of(
                home.resolve("bin/standalone.sh").toString(),
                "-c",
                "standalone-microprofile.xml",
                "-Djboss.server.base.dir=" + base,
                "-Djboss.socket.binding.port-offset=" + offset,
                "-b",
                "127.0.0.1",
                "-bmanagement",
                "127.0.0.1"),
            base,
            // The launcher forwards SIGTERM to the JVM only when it runs it in the background.
            // Keys reach the server as env variables, as the CLI script recommends.
            env(deployment));
    return new WildFlyServer(process, home, base, offset);
  }

  private static Map<String, String> env(Deployment deployment) {
    Map<String, String> env = new HashMap<>(deployment.env());
    env.put("LAUNCH_JBOSS_IN_BACKGROUND", "1");
    return env;
  }

  /**
   * What server-config/wildfly/README.md shows: each setting as a system property (added, or its
   * value rewritten when it exists) through jboss-cli.sh connected to the running server.
   */
  @Override
  public boolean changeSettings(Map<String, String> settings) {
    StringBuilder script = new StringBuilder();
    settings.forEach(
        (name, value) ->
            script
                .append("if (outcome == success) of /system-property=")
                .append(name)
                .append(":read-resource\n  /system-property=")
                .append(name)
                .append(":write-attribute(name=value, value=\"")
                .append(value)
                .append("\")\nelse\n  /system-property=")
                .append(name)
                .append(":add(value=\"")
                .append(value)
                .append("\")\nend-if\n"));
    cli("change-settings", script.toString());
    return false;
  }

  /** The deployment redeployed: the broker reads its settings when it starts. */
  @Override
  public void reloadApplication() {
    cli("redeploy", "/deployment=remotellm-broker.war:redeploy\n");
  }

  private void cli(String what, String script) {
    Path file = base.resolve(what + "-" + System.nanoTime() + ".cli");
    RunFiles.write(file, script);
    ServerProcess.run(
        "portability-wildfly-" + what,
        List.of(
            home.resolve("bin/jboss-cli.sh").toString(),
            "--connect",
            "--controller=127.0.0.1:" + (9990 + offset),
            "--file=" + file),
        base,
        Map.of(),
        Duration.ofMinutes(3));
  }

  @Override
  public String name() {
    return "WildFly";
  }

  @Override
  public int apiPort() {
    return 8080 + offset;
  }

  @Override
  public URI health() {
    // MicroProfile Health is on the management interface, not the application's port.
    return URI.create("http://127.0.0.1:" + (9990 + offset) + "/health");
  }

  @Override
  public Path log() {
    return process.log();
  }

  @Override
  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    process.close();
  }
}
