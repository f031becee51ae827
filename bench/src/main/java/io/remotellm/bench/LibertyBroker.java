package io.remotellm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Open Liberty from the full runtime zip, as an operator sets it up (and as system-tests' {@code
 * LibertyServer} does): a server directory made of {@code server-config/liberty/} as it is, plus a
 * configDropins override naming the WAR, and env variables for host, port and the broker's
 * settings. {@code server run} exec's the JVM, so the process started is the server's.
 */
final class LibertyBroker implements BrokerServer {

  private static final String SERVER = "broker";

  private final Path wlp;

  LibertyBroker(Path wlp) {
    this.wlp = wlp;
  }

  @Override
  public String id() {
    return "liberty";
  }

  @Override
  public String label() {
    String version = "";
    try {
      for (String line : Files.readAllLines(wlp.resolve("lib/versions/openliberty.properties"))) {
        if (line.startsWith("com.ibm.websphere.productVersion=")) {
          version = " " + line.substring(line.indexOf('=') + 1).trim();
        }
      }
    } catch (IOException e) {
      // no version file: the name alone
    }
    return "Open Liberty" + version;
  }

  @Override
  public Started start(Fleet fleet, String name, Launch launch) throws IOException {
    Path userDir = launch.runDir().resolve(name + "-liberty");
    Path serverDir = userDir.resolve("servers").resolve(SERVER);
    BrokerServer.copyTree(launch.product().resolve("server-config/liberty"), serverDir);
    Path overrides = serverDir.resolve("configDropins/overrides");
    Files.createDirectories(overrides);
    Files.writeString(
        overrides.resolve("installation.xml"),
        """
        <server>
          <variable name="broker.war" value="%s"/>
        </server>
        """
            .formatted(launch.war()));
    int port = Fleet.freePort();
    Map<String, String> env = new HashMap<>(launch.env());
    env.put("WLP_USER_DIR", userDir.toString());
    // server.xml's variables http.host and http.port, set the way a service would.
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("HTTP_PORT", Integer.toString(port));
    if (launch.javaOpts() != null) {
      env.put("JVM_ARGS", launch.javaOpts());
    }
    Process process =
        fleet.start(
            name, List.of(wlp.resolve("bin/server").toString(), "run", SERVER), env, userDir);
    return new Started(process, port);
  }
}
