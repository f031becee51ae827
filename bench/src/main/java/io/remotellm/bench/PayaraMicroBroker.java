package io.remotellm.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Payara Micro through the product's own launcher, {@code bin/remotellm-broker}: what users run,
 * and the default. The launcher's {@code --health-port} gets a free port of its own.
 */
final class PayaraMicroBroker implements BrokerServer {

  @Override
  public String id() {
    return "payara";
  }

  @Override
  public String label() {
    return "Payara Micro (bin/remotellm-broker)";
  }

  @Override
  public Started start(Fleet fleet, String name, Launch launch) {
    int port = Fleet.freePort();
    Map<String, String> env = new HashMap<>(launch.env());
    // The launcher's run files (Payara's root directory) go with this run.
    env.put("TMPDIR", launch.runDir().toString());
    if (launch.javaOpts() != null) {
      env.put("JAVA_OPTS", launch.javaOpts());
    }
    Path launcher = launch.product().resolve("bin/remotellm-broker");
    Process process =
        fleet.start(
            name,
            List.of(
                launcher.toString(),
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--health-port",
                Integer.toString(Fleet.freePort())),
            env,
            launch.runDir());
    return new Started(process, port);
  }
}
