package io.remotellm.st.portability;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;

/**
 * The portability checks on Open Liberty ({@code mvn verify -Pliberty} unpacks it and runs this).
 */
class LibertyIT extends PortabilityIT {

  @Override
  BrokerServer startServer(BrokerServer.Deployment deployment) {
    String home = System.getProperty("remotellm.liberty.home", "");
    assumeTrue(!home.isBlank(), "Open Liberty is not unpacked: run with -Pliberty");
    return LibertyServer.start(Path.of(home), deployment);
  }
}
