package io.remotellm.connector.connection;

import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;

/**
 * The HTTP status with which a broker refused the connector's WebSocket upgrade (401 for a wrong
 * token, 429 while its address is held off, 503 while the broker drains), read from the JDK
 * client's {@link WebSocketHandshakeException}, so the log can say which of those it was.
 */
final class UpgradeRefusal {
  private UpgradeRefusal() {}

  /** The status somewhere in {@code e}'s cause chain, or 0 when it carries none. */
  static int status(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof WebSocketHandshakeException refused) {
        HttpResponse<?> response = refused.getResponse();
        return response == null ? 0 : response.statusCode();
      }
    }
    return 0;
  }
}
