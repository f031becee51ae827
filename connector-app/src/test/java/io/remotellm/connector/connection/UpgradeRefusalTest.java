package io.remotellm.connector.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.glassfish.tyrus.client.auth.AuthenticationException;
import org.glassfish.tyrus.core.HandshakeException;
import org.junit.jupiter.api.Test;

class UpgradeRefusalTest {

  @Test
  void findsTheStatusDownTheCauseChain() {
    Exception wrapped =
        new IllegalStateException(
            "Handshake error.", new IOException(new HandshakeException(429, "Too Many Requests")));
    assertThat(UpgradeRefusal.status(wrapped)).isEqualTo(429);
  }

  @Test
  void anAuthenticationFailureIs401() {
    assertThat(UpgradeRefusal.status(new IllegalStateException(new AuthenticationException("no"))))
        .isEqualTo(401);
  }

  @Test
  void noStatusIsZero() {
    assertThat(UpgradeRefusal.status(new IOException("Connection refused"))).isZero();
    assertThat(UpgradeRefusal.status(new IllegalStateException("Handshake error."))).isZero();
  }
}
