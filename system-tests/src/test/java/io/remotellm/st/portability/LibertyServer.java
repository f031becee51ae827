package io.remotellm.st.portability;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Open Liberty from the full runtime zip, with a server directory made of {@code
 * server-config/liberty/} as it is, plus what an operator adds per installation: a configDropins
 * override naming the WAR and the connector config, and env variables for ports and keys.
 */
final class LibertyServer implements BrokerServer {

  private static final String SERVER = "broker";

  private final ServerProcess process;
  private final int port;

  private LibertyServer(ServerProcess process, int port) {
    this.process = process;
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
    ServerProcess process =
        ServerProcess.start(
            "portability-liberty",
            List.of(wlp.resolve("bin/server").toString(), "run", SERVER),
            userDir,
            Map.of(
                "WLP_USER_DIR", userDir.toString(),
                // server.xml's variables http.host and http.port, set the way a service would.
                "HTTP_HOST", "127.0.0.1",
                "HTTP_PORT", String.valueOf(port),
                "REMOTELLM_BROKER_USER_API_KEYS", deployment.userApiKey()));
    return new LibertyServer(process, port);
  }

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
