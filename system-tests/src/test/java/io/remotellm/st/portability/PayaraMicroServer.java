package io.remotellm.st.portability;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import java.net.URI;
import java.nio.file.Path;

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
        ProductRun.startBroker(
            "portability-payara-micro",
            port,
            healthPort,
            deployment.userApiKey(),
            deployment.connectorConfig());
    return new PayaraMicroServer(process, port, healthPort);
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
