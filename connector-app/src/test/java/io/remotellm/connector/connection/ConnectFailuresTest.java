package io.remotellm.connector.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import org.junit.jupiter.api.Test;

/** What the log says when the JDK client cannot dial the broker at all (real sockets). */
class ConnectFailuresTest {

  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void aClosedPortSaysRefused() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    assertThat(ConnectFailures.describe(dial("ws://127.0.0.1:" + closedPort + "/ws")))
        .isEqualTo("ClosedChannelException: connection refused or unreachable");
  }

  @Test
  void anUnknownHostSaysSo() {
    assertThat(ConnectFailures.describe(dial("ws://no-such-broker.invalid/ws")))
        .isEqualTo("UnresolvedAddressException: unknown host");
  }

  private Throwable dial(String url) {
    Throwable failure =
        catchThrowable(
            () ->
                client
                    .newWebSocketBuilder()
                    .buildAsync(URI.create(url), new WebSocket.Listener() {})
                    .join());
    assertThat(failure).isNotNull();
    return failure;
  }
}
