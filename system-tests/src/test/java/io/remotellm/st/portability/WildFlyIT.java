package io.remotellm.st.portability;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;

/** The portability checks on WildFly ({@code mvn verify -Pwildfly} unpacks it and runs this). */
class WildFlyIT extends PortabilityIT {

  @Override
  BrokerServer startServer(BrokerServer.Deployment deployment) {
    String home = System.getProperty("remotellm.wildfly.home", "");
    assumeTrue(!home.isBlank(), "WildFly is not unpacked: run with -Pwildfly");
    return WildFlyServer.start(Path.of(home), deployment);
  }
}
