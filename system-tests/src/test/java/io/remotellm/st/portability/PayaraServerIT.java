package io.remotellm.st.portability;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;

/**
 * The portability checks on Payara Server ({@code mvn verify -Ppayara-server} unpacks it and runs
 * this).
 */
class PayaraServerIT extends PortabilityIT {

  @Override
  BrokerServer startServer(BrokerServer.Deployment deployment) {
    String home = System.getProperty("remotellm.payara-server.home", "");
    assumeTrue(!home.isBlank(), "Payara Server is not unpacked: run with -Ppayara-server");
    return PayaraServerServer.start(Path.of(home), deployment);
  }
}
