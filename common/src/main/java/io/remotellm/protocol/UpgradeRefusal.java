package io.remotellm.protocol;

/**
 * The HTTP status with which a broker refused a connector's WebSocket upgrade (401 for a wrong
 * token, 429 while its address is held off, 503 while the broker drains), read from whatever the
 * WebSocket client threw. Read by reflection so that this module needs no WebSocket client.
 */
public final class UpgradeRefusal {
  private UpgradeRefusal() {}

  /** The status somewhere in {@code e}'s cause chain, or 0 when it carries none. */
  public static int status(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      try {
        Object status = t.getClass().getMethod("getHttpStatusCode").invoke(t);
        if (status instanceof Integer code && code > 0) {
          return code;
        }
      } catch (ReflectiveOperationException notAHandshakeException) {
        // Not every cause is Tyrus's HandshakeException; keep walking the chain.
      }
      if (t.getClass().getSimpleName().equals("AuthenticationException")) {
        // Tyrus's client turns a 401 into this, and it carries no status.
        return 401;
      }
    }
    return 0;
  }
}
