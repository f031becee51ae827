package io.remotellm.connector.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class UpgradeRefusalTest {

  @Test
  void findsTheStatusDownTheCauseChain() {
    Exception wrapped =
        new CompletionException(new IOException(new WebSocketHandshakeException(answer(429))));
    assertThat(UpgradeRefusal.status(wrapped)).isEqualTo(429);
    assertThat(UpgradeRefusal.status(new WebSocketHandshakeException(answer(401)))).isEqualTo(401);
  }

  @Test
  void noStatusIsZero() {
    assertThat(UpgradeRefusal.status(new IOException("Connection refused"))).isZero();
    assertThat(UpgradeRefusal.status(new CompletionException(new IOException("closed")))).isZero();
    assertThat(UpgradeRefusal.status(new WebSocketHandshakeException(null))).isZero();
  }

  /** The refusing answer as the JDK client hands it over; only its status is read. */
  private static HttpResponse<?> answer(int status) {
    return (HttpResponse<?>)
        Proxy.newProxyInstance(
            UpgradeRefusalTest.class.getClassLoader(),
            new Class<?>[] {HttpResponse.class},
            (proxy, method, args) -> method.getName().equals("statusCode") ? status : null);
  }
}
