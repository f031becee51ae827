package io.remotellm.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.connector.config.ConnectorCommandLine;
import io.remotellm.connector.config.ConnectorConfig;
import io.remotellm.protocol.Hello;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A connector given several {@code --broker-url}s, against real WebSocket brokers on loopback: it
 * attaches to one, and when that one goes away or cannot be reached it attaches to the next, round
 * robin, as a connector of a cluster must when its broker dies.
 */
class ConnectorFailoverIT {
  private static final String TOKEN = "ct-failover-token";
  private static final Duration WAIT = Duration.ofSeconds(20);

  private ScriptedBroker first;
  private ScriptedBroker second;
  private Connector connector;

  @BeforeEach
  void brokers() throws Exception {
    first = new ScriptedBroker(TOKEN, 1);
    second = new ScriptedBroker(TOKEN, 1);
  }

  @AfterEach
  void stop() {
    if (connector != null) {
      connector.close();
    }
    first.close();
    second.close();
  }

  @Test
  void aLostBrokerSendsTheConnectorToTheNextAndAroundAgain() throws Exception {
    first.start();
    second.start();
    connect(first.urlWithoutPath(), second.urlWithoutPath());
    assertThat(first.awaitHello(WAIT)).as("hello to the first broker").isNotNull();
    awaitConnected();
    assertThat(second.connections()).isZero();

    first.stop();
    Hello moved = second.awaitHello(WAIT);
    assertThat(moved).as("hello to the second broker after the first went away").isNotNull();
    assertThat(moved.models()).containsExactly("m");
    awaitConnected();

    first.start();
    second.stop();
    assertThat(first.awaitHello(WAIT)).as("back to the first broker after the last").isNotNull();
    awaitConnected();
  }

  @Test
  void anUnreachableBrokerAtStartIsSkipped() throws Exception {
    second.start();
    connect(first.urlWithoutPath(), second.urlWithoutPath());
    assertThat(second.awaitHello(WAIT)).as("hello to the reachable broker").isNotNull();
    awaitConnected();
    assertThat(first.connections()).isZero();
  }

  private void connect(String... brokerUrls) throws Exception {
    List<String> args = new ArrayList<>();
    for (String url : brokerUrls) {
      args.addAll(List.of("--broker-url", url));
    }
    args.addAll(
        List.of(
            "--broker-token",
            TOKEN,
            "--llm-url",
            "demo",
            "--model",
            "m",
            "--health-port",
            "0",
            "--reconnect-initial",
            "0.05",
            "--reconnect-max",
            "0.2"));
    ConnectorConfig config =
        ConnectorCommandLine.parse(
                args.toArray(String[]::new),
                Map.of(),
                new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()))
            .config();
    assertThat(config).as("valid test arguments").isNotNull();
    connector = Connector.start(config);
  }

  private void awaitConnected() {
    await("relay connected")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> connector.snapshot().relayConnected());
  }
}
