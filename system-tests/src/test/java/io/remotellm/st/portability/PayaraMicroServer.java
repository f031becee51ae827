package io.remotellm.st.portability;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/** Payara Micro through the product's own launcher, bin/remotellm-broker: the reference. */
final class PayaraMicroServer implements BrokerServer {

  private final ProductProcess process;
  private final int port;
  private final int healthPort;

  private PayaraMicroServer(ProductProcess process, int port, int healthPort) {
    this.process = process;
    this.port = port;
    this.healthPort = healthPort;
  }

  static PayaraMicroServer start(Deployment deployment) {
    int port = FreePort.next();
    int healthPort = FreePort.next();
    ProductProcess process =
        ProductProcess.start(
            "portability-payara-micro",
            "remotellm-broker",
            List.of(
                "--host", "127.0.0.1",
                "--port", String.valueOf(port),
                "--health-port", String.valueOf(healthPort),
                "--connector-config", deployment.connectorConfig().toString()),
            // Keys and the data directory through the seed's env variables, as a service's would.
            deployment.env());
    ProductRun.awaitBroker(process, port, deployment.userApiKey());
    return new PayaraMicroServer(process, port, healthPort);
  }

  /** Payara Micro has no management tool: its settings are the launcher's flags. */
  @Override
  public boolean changeSettings(Map<String, String> settings) {
    return Assumptions.abort(
        "Payara Micro has no management tool; its settings are launcher flags");
  }

  @Override
  public void reloadApplication() {
    Assumptions.abort("Payara Micro has no management tool");
  }

  @Override
  public String name() {
    return "Payara Micro";
  }

  @Override
  public int apiPort() {
    return port;
  }

  @Override
  public URI health() {
    return URI.create("http://127.0.0.1:" + healthPort + "/health");
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
