package io.remotellm.st.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.testsupport.FakeLlm;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real broker started by bin/remotellm-broker with a #, an &amp;, spaces and quotes in flag
 * values: a user key and a connector token on the command line, and the path of the connector
 * config (the old script templated Payara's boot files with sed, which broke on # and &amp;). A
 * connector with that token attaches, the key authenticates, and neither secret is on the server's
 * command line.
 */
class LauncherOddValuesIT {

  private static final String USER_KEY = "sk-odd #1 & 'single' \"double\" $HOME \\";
  private static final String TOKEN = "ct-odd#&'x y";
  private static final String MODEL = "odd-model";

  private static FakeLlm llm;
  private static ProductProcess broker;
  private static ProductProcess connector;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    llm = FakeLlm.start();
    port = FreePort.next();
    int healthPort = FreePort.next();
    int connectorHealth = FreePort.next();
    Path dir = Files.createDirectories(ProductProcess.logDir().resolve("odd #1 & 'dir' \"q\""));
    Path config = dir.resolve("connectors #& 'x'.yaml");
    Files.writeString(
        config, "connectors:\n  - token: \"" + TOKEN + "\"\n", StandardCharsets.UTF_8);
    broker =
        ProductProcess.start(
            "odd-values-broker",
            "remotellm-broker",
            List.of(
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--health-port",
                String.valueOf(healthPort),
                "--user-api-key",
                USER_KEY,
                "--connector-token",
                TOKEN,
                "--connector-config=" + config),
            Map.of());
    ProductRun.awaitBroker(broker, port, USER_KEY);
    connector =
        ProductRun.startConnector(
            "odd-values-connector",
            llm.baseUrl().toString(),
            port,
            TOKEN,
            connectorHealth,
            List.of(MODEL),
            List.of());
    ProductRun.awaitReady(connector, connectorHealth, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    if (connector != null) {
      connector.close();
    }
    if (broker != null) {
      broker.close();
    }
    if (llm != null) {
      llm.close();
    }
  }

  @Test
  void theOddKeyAuthenticatesAndTheOddTokensConnectorServes() {
    HttpRequest.Builder models =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"));
    assertThat(ProductRun.status(models.header("Authorization", "Bearer " + USER_KEY).build()))
        .isEqualTo(200);
    // A prefix of the key (cut at the first space, as a shell would) is not the key.
    assertThat(
            ProductRun.status(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
                    .header("Authorization", "Bearer sk-odd")
                    .build()))
        .isEqualTo(401);
    assertThat(broker.output()).doesNotContain(USER_KEY).doesNotContain(TOKEN);
  }

  @Test
  void secretsAreNotOnTheServersCommandLine() throws Exception {
    Path cmdline = Path.of("/proc", String.valueOf(broker.pid()), "cmdline");
    assumeTrue(Files.exists(cmdline), "no /proc on this system: cannot read the command line");
    String args = Files.readString(cmdline, StandardCharsets.UTF_8).replace('\0', ' ');
    // The script exec's the server: its PID is Payara Micro's java.
    assertThat(args).contains("payara-micro.jar").contains("connectors #& 'x'.yaml");
    assertThat(args).doesNotContain(USER_KEY).doesNotContain(TOKEN);
  }
}
