package io.remotellm.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class UpgradeRefusalTest {

  /** Shaped like Tyrus's HandshakeException: the status behind a public getter. */
  public static final class HandshakeException extends Exception {
    private final int status;

    HandshakeException(int status) {
      super("Response code was not 101: " + status);
      this.status = status;
    }

    public int getHttpStatusCode() {
      return status;
    }
  }

  /** Shaped like Tyrus's AuthenticationException, which a 401 becomes. */
  static final class AuthenticationException extends Exception {}

  @Test
  void findsTheStatusDownTheCauseChain() {
    Exception wrapped = new IllegalStateException("Handshake error.", new IOException(new HandshakeException(429)));
    assertThat(UpgradeRefusal.status(wrapped)).isEqualTo(429);
  }

  @Test
  void anAuthenticationFailureIs401() {
    assertThat(UpgradeRefusal.status(new IllegalStateException(new AuthenticationException()))).isEqualTo(401);
  }

  @Test
  void noStatusIsZero() {
    assertThat(UpgradeRefusal.status(new IOException("Connection refused"))).isZero();
    assertThat(UpgradeRefusal.status(new HandshakeException(0))).isZero();
  }
}
