package io.remotellm.st.cluster;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.st.support.Wait;
import io.remotellm.testsupport.FakeLlm;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * {@link ClusterBehindNginxIT}'s fixture: the fake LLM, two brokers clustered on loopback (started
 * at once, neither answering before it serves), nginx in front of them with the sample config when
 * nginx is installed, a connector dialing nginx (broker 0 straight without it) and one dialing the
 * other broker straight.
 */
final class TwoBrokersBehindNginx implements AutoCloseable {

  /** Served by the connector that dials nginx (broker 0 straight, without nginx). */
  static final String VIA_NGINX = "via-nginx-m";

  /** Served by a connector dialing the other broker straight. */
  static final String DIRECT = "direct-m";

  final FakeLlm llm;
  final List<ProductProcess> brokers = new ArrayList<>();
  private final List<ProductProcess> connectors = new ArrayList<>();
  NginxInFront nginx;
  int[] ports;
  int[] healthPorts;

  /** The broker the nginx connector's WebSocket reached; the other one has DIRECT's. */
  int holder;

  private final ClusterClient client;

  /** Starts it all; {@link #close()} stops it. */
  static TwoBrokersBehindNginx start(ClusterClient client, String userKey, String adminKey)
      throws IOException {
    TwoBrokersBehindNginx cluster = new TwoBrokersBehindNginx(client);
    try {
      cluster.boot(userKey, adminKey);
      return cluster;
    } catch (IOException | RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  private TwoBrokersBehindNginx(ClusterClient client) throws IOException {
    this.client = client;
    this.llm = FakeLlm.start();
  }

  private void boot(String userKey, String adminKey) throws IOException {
    String token = "ct-nginx-" + UUID.randomUUID();
    Path connectorConfig = ProductRun.writeConnectorConfig(Map.of(token, ""));
    ClusterLayout layout = ClusterLayout.of(2, "st-nginx-");
    ports = layout.ports;
    healthPorts = layout.healthPorts;
    for (int i = 0; i < 2; i++) {
      brokers.add(
          ProductProcess.start(
              "nginx-broker-" + i,
              "remotellm-broker",
              layout.brokerArgs(i, connectorConfig),
              Map.of(
                  "REMOTELLM_BROKER_USER_API_KEYS", userKey,
                  "REMOTELLM_BROKER_ADMIN_KEYS", adminKey)));
    }
    // Two brokers booting at once on a shared machine: ten minutes each at most, the join
    // included; neither may answer anything but 200 while it starts.
    for (int i = 0; i < 2; i++) {
      ProductRun.awaitBroker(brokers.get(i), ports[i], userKey, Duration.ofSeconds(600));
    }
    nginx = startNginx();
    attach(token, "nginx-connector", nginx != null ? nginx.port : ports[0], VIA_NGINX);
    holder = client.admin(ports[0], "connectors").toString().contains(VIA_NGINX) ? 0 : 1;
    attach(token, "direct-connector", ports[1 - holder], DIRECT);
  }

  private NginxInFront startNginx() throws IOException {
    Path binary = NginxInFront.binary().orElse(null);
    if (binary == null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("nginx is not installed; CI must install it (apt-get nginx)");
      }
      System.out.println("TwoBrokersBehindNginx: nginx is not installed; its tests skip");
      return null;
    }
    NginxInFront started =
        NginxInFront.start(binary, List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]));
    Wait.until(
        "nginx to pass /v1/models to the brokers",
        Duration.ofSeconds(30),
        () -> {
          if (!started.isAlive()) {
            throw new AssertionError("nginx exited; see " + started.errorLog());
          }
          return client.get(started.port, "/v1/models").statusCode() == 200;
        });
    return started;
  }

  /** A connector dialing {@code port} for {@code model}, routable on both brokers. */
  private void attach(String token, String name, int port, String model) {
    int health = FreePort.next();
    ProductProcess c =
        ProductRun.startConnector(
            name, llm.baseUrl().toString(), port, token, health, List.of(model), List.of());
    connectors.add(c);
    ProductRun.awaitReady(c, health, Duration.ofSeconds(90));
    for (int p : ports) {
      Wait.until(
          "the broker on " + p + " to list " + model,
          Duration.ofSeconds(30),
          () -> client.get(p, "/v1/models").body().contains("\"" + model + "\""));
    }
  }

  @Override
  public void close() {
    Stream.concat(connectors.stream(), brokers.stream()).forEach(ProductProcess::close);
    if (nginx != null) {
      nginx.close();
    }
    if (llm != null) {
      llm.close();
    }
  }
}
