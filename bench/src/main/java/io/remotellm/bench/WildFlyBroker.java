package io.remotellm.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * WildFly from its distribution zip, set up as an operator would (and as system-tests' {@code
 * WildFlyServer} does): {@code server-config/wildfly/remotellm-broker.cli} run offline against a
 * fresh copy of the standalone directory, then {@code standalone.sh -c standalone-microprofile.xml}
 * with a port offset that leaves every port it opens free.
 */
final class WildFlyBroker implements BrokerServer {

  /** Ports of standalone-microprofile.xml that open at boot; the port offset moves them all. */
  private static final int[] PORTS = {8080, 8443, 9990, 9993, 4712, 4713};

  private final Path home;

  WildFlyBroker(Path home) {
    this.home = home;
  }

  @Override
  public String id() {
    return "wildfly";
  }

  @Override
  public String label() {
    return "WildFly " + home.getFileName().toString().replaceFirst("^wildfly-", "");
  }

  @Override
  public Started start(Fleet fleet, String name, Launch launch)
      throws IOException, InterruptedException {
    Path base = launch.runDir().resolve(name + "-wildfly");
    BrokerServer.copyTree(home.resolve("standalone"), base);
    Path properties = base.resolve("broker.properties");
    Files.writeString(
        properties,
        String.join(
            "\n",
            "remotellm.war=" + launch.war(),
            // Connector tokens come from the env (REMOTELLM_BROKER_CONNECTOR_TOKENS), as the
            // script recommends for secrets.
            "remotellm.broker.connector-config=",
            "remotellm.broker.log-level=INFO",
            "remotellm.broker.allow-anonymous=false",
            ""));
    Process cli =
        fleet.start(
            name + "-cli",
            List.of(
                home.resolve("bin/jboss-cli.sh").toString(),
                "--resolve-parameter-values",
                "--properties=" + properties,
                "--file=" + launch.product().resolve("server-config/wildfly/remotellm-broker.cli")),
            Map.of("JAVA_OPTS", "-Djboss.server.base.dir=" + base),
            base);
    if (!cli.waitFor(5, TimeUnit.MINUTES) || cli.exitValue() != 0) {
      Fleet.stop(cli, 10);
      throw new IllegalStateException(
          "remotellm-broker.cli failed on WildFly; see " + fleet.log(name + "-cli"));
    }

    int offset = offsetWithAllFree();
    Map<String, String> env = new HashMap<>(launch.env());
    // standalone.sh forwards SIGTERM to the JVM only when it runs it in the background.
    env.put("LAUNCH_JBOSS_IN_BACKGROUND", "1");
    if (launch.javaOpts() != null) {
      // Replaces standalone.conf's default (-Xms64m -Xmx512m and metaspace bounds).
      env.put("JAVA_OPTS", launch.javaOpts());
    }
    Process process =
        fleet.start(
            name,
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
            env,
            base);
    return new Started(process, 8080 + offset);
  }

  /** A port offset under which every port of {@link #PORTS} is free on 127.0.0.1 right now. */
  private static int offsetWithAllFree() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int offset = ThreadLocalRandom.current().nextInt(1000, 50000);
      boolean free = true;
      for (int port : PORTS) {
        free &= isFree(port + offset);
      }
      if (free) {
        return offset;
      }
    }
    throw new IllegalStateException("found no port offset with all of WildFly's ports free");
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
