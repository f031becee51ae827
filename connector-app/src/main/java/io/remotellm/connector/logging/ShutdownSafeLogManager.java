package io.remotellm.connector.logging;

import java.util.logging.LogManager;

/**
 * A LogManager that is not reset by the JVM's shutdown: the standard one closes every handler in
 * its own shutdown hook, which would silence the connector's graceful-shutdown lines (drain, close
 * 1001) that run in another hook. Installed through {@code java.util.logging.manager} before the
 * first logger is made; {@link LoggingSetup} resets it explicitly.
 */
public final class ShutdownSafeLogManager extends LogManager {

  @Override
  public void reset() {
    // Deliberately empty: called by the JVM's shutdown hook (and by readConfiguration).
  }

  void resetNow() {
    super.reset();
  }
}
