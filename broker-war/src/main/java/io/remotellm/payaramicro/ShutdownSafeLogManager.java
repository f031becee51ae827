package io.remotellm.payaramicro;

import java.util.logging.LogManager;

/**
 * The JVM's log manager for the broker on Payara Micro ({@code bin/remotellm-broker} puts it on the
 * boot class path and names it in {@code java.util.logging.manager}); not part of the WAR.
 *
 * <p>Why: the JDK's {@link LogManager} closes every handler from its own shutdown hook, which runs
 * at the same time as Payara's. On SIGTERM that silenced everything the broker logs while it
 * drains: the access lines of the requests it lets finish, "Relay drained", Payara's own shutdown
 * lines. This manager ignores the reset that comes from that hook, so handlers stay open until the
 * JVM ends (the console handler flushes every record); any other reset (Payara configuring its
 * logging) works as usual.
 */
public final class ShutdownSafeLogManager extends LogManager {

  @Override
  public void reset() {
    // The JDK's hook is a nested class of LogManager (LogManager$Cleaner).
    if (Thread.currentThread().getClass().getName().startsWith(LogManager.class.getName() + "$")) {
      return;
    }
    super.reset();
  }
}
