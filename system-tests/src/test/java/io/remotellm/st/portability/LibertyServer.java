package io.remotellm.st.portability;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Open Liberty from the full runtime zip, with a server directory made of {@code
 * server-config/liberty/} as it is, plus what an operator adds per installation: a configDropins
 * override naming the WAR and the connector config, and env variables for ports and keys.
 */
final class LibertyServer implements BrokerServer {

  private static final String SERVER = "broker";

  private final ServerProcess process;
  private final Path serverDir;
  private final int port;

  private LibertyServer(ServerProcess process, Path serverDir, int port) {
    this.process = process;
    this.serverDir = serverDir;
    this.port = port;
  }

  static LibertyServer start(Path wlp, Deployment deployment) {
    Path userDir = RunFiles.runDir("liberty");
    Path serverDir = userDir.resolve("servers").resolve(SERVER);
    RunFiles.copyTree(ProductProcess.root().resolve("server-config/liberty"), serverDir);
    RunFiles.write(
        serverDir.resolve("configDropins/overrides/installation.xml"),
        """
        <server>
          <variable name="broker.war" value="%s"/>
          <variable name="remotellm.broker.connector-config" value="%s"/>
        </server>
        """
            .formatted(deployment.war(), deployment.connectorConfig()));
    int port = FreePort.next();
    Map<String, String> env = new HashMap<>(deployment.env());
    env.put("WLP_USER_DIR", userDir.toString());
    // server.xml's variables http.host and http.port, set the way a service would.
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("HTTP_PORT", String.valueOf(port));
    ServerProcess process =
        ServerProcess.start(
            "portability-liberty",
            List.of(wlp.resolve("bin/server").toString(), "run", SERVER),
            userDir,
            env);
    return new LibertyServer(process, serverDir, port);
  }

  /**
   * What server-config/liberty/README.md shows: each setting as a {@code <property>} of the
   * application's {@code <appProperties>} in server.xml, edited in place. Liberty notices the saved
   * file and restarts the application by itself; no command is run.
   */
  @Override
  public boolean changeSettings(Map<String, String> settings) {
    Path serverXml = serverDir.resolve("server.xml");
    String xml = RunFiles.read(serverXml);
    StringBuilder added = new StringBuilder();
    for (Map.Entry<String, String> setting : settings.entrySet()) {
      xml =
          xml.replaceAll(
              "\\s*<property name=\"" + Pattern.quote(setting.getKey()) + "\"[^>]*/>", "");
      added
          .append("\n      <property name=\"")
          .append(setting.getKey())
          .append("\" value=\"")
          .append(setting.getValue())
          .append("\"/>");
    }
    if (!xml.contains("<appProperties>")) {
      throw new AssertionError("server.xml has no <appProperties> to add settings to");
    }
    RunFiles.write(serverXml, xml.replace("<appProperties>", "<appProperties>" + added));
    return true;
  }

  /** Liberty has no reload command: saving server.xml restarted the application already. */
  @Override
  public void reloadApplication() {}

  @Override
  public String name() {
    return "Open Liberty";
  }

  @Override
  public int apiPort() {
    return port;
  }

  @Override
  public URI health() {
    return URI.create("http://127.0.0.1:" + port + "/health");
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
