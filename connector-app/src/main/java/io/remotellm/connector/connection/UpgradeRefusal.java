package io.remotellm.connector.connection;

import org.glassfish.tyrus.client.auth.AuthenticationException;
import org.glassfish.tyrus.core.HandshakeException;

/**
 * The HTTP status with which a broker refused the connector's WebSocket upgrade (401 for a wrong
 * token, 429 while its address is held off, 503 while the broker drains), read from whatever the
 * Tyrus client threw, so the log can say which of those it was.
 */
final class UpgradeRefusal {
  private UpgradeRefusal() {}

  /** The status somewhere in {@code e}'s cause chain, or 0 when it carries none. */
  static int status(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AuthenticationException) {
        // Tyrus's client turns a 401 into this, and it carries no status.
        return 401;
      }
      if (t instanceof HandshakeException refused && refused.getHttpStatusCode() > 0) {
        return refused.getHttpStatusCode();
      }
    }
    return 0;
  }
}
