package io.remotellm.st.cluster;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Free ports, a cluster name and a cluster secret for {@code size} brokers clustered on loopback,
 * and the launcher arguments that put broker {@code i} in that cluster: what every cluster test
 * sets up the same way.
 */
final class ClusterLayout {
  final int[] ports;
  final int[] healthPorts;
  final int[] gridPorts;
  final String name;
  final Path secret;

  /**
   * This layout's own directory for the brokers' databases, fresh on every run: a rerun without
   * {@code mvn clean} must not find the users an earlier run created. Broker {@code i} keeps its
   * subdirectory across a restart.
   */
  final Path dataDir;

  private ClusterLayout(int size, String prefix) throws IOException {
    ports = new int[size];
    healthPorts = new int[size];
    gridPorts = new int[size];
    for (int i = 0; i < size; i++) {
      ports[i] = FreePort.next();
      healthPorts[i] = FreePort.next();
      gridPorts[i] = FreePort.next();
    }
    name = prefix + UUID.randomUUID().toString().substring(0, 8);
    secret = Files.createTempFile(ProductProcess.logDir(), "cluster", ".secret");
    dataDir = Files.createTempDirectory(ProductProcess.logDir(), name + "-data-");
    Files.writeString(secret, "cluster-secret-" + UUID.randomUUID() + "\n");
  }

  static ClusterLayout of(int size, String prefix) throws IOException {
    return new ClusterLayout(size, prefix);
  }

  /**
   * {@code remotellm-broker} arguments of broker {@code i}: its ports, the cluster, every member.
   */
  List<String> brokerArgs(int i, Path connectorConfig) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--host", "127.0.0.1",
                "--port", String.valueOf(ports[i]),
                "--health-port", String.valueOf(healthPorts[i]),
                "--connector-config", connectorConfig.toString(),
                "--cluster-name", name,
                "--cluster-port", String.valueOf(gridPorts[i]),
                "--cluster-secret-file", secret.toString()));
    for (int port : gridPorts) {
      args.addAll(List.of("--cluster-member", "127.0.0.1:" + port));
    }
    return args;
  }

  /**
   * Starts broker {@code i} of this cluster through its launcher as {@code name}, with {@code env};
   * the same call starts it again after a kill, with the same flags.
   */
  ProductProcess startBroker(int i, String name, Path connectorConfig, Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    // Three servers boot at once on a machine the build shares: the quick JIT and one GC thread
    // halve their boot's CPU; what is tested does not depend on them.
    all.putIfAbsent("JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
    all.putIfAbsent("REMOTELLM_BROKER_DATA_DIR", dataDir.resolve("broker-" + i).toString());
    return ProductProcess.start(name, "remotellm-broker", brokerArgs(i, connectorConfig), all);
  }
}
