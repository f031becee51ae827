package io.remotellm.st.portability;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The portability checks on Payara Micro, the reference server, through bin/remotellm-broker.
 * EndToEndIT covers Payara Micro in depth, so this runs only on request, to compare a server with
 * the reference: {@code -Dit.test=io.remotellm.st.portability.PayaraMicroIT
 * -Dportability.payara-micro=true}.
 */
class PayaraMicroIT extends PortabilityIT {

  @Override
  BrokerServer startServer(BrokerServer.Deployment deployment) {
    assumeTrue(
        Boolean.getBoolean("portability.payara-micro"), "run with -Dportability.payara-micro=true");
    return PayaraMicroServer.start(deployment);
  }
}
