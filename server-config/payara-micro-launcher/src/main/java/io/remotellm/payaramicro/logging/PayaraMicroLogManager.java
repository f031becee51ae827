package io.remotellm.payaramicro.logging;

import java.util.logging.LogManager;

/**
 * The JVM's log manager for the broker on Payara Micro: the launcher puts this class's own jar
 * ({@code remotellm-payara-micro-logging.jar}) on the boot class path and names it in {@code
 * java.util.logging.manager}; it is not part of the WAR.
 *
 * <p>Why: the JDK's {@link LogManager} closes every handler from its own shutdown hook, which runs
 * at the same time as Payara's. On SIGTERM that silenced everything the broker logs while it
 * drains: the access lines of the requests it lets finish, "Relay drained", Payara's own shutdown
 * lines. This manager ignores only the reset that comes from that hook, so handlers stay open until
 * the JVM ends (the console handler flushes every record); any other reset (Payara configuring its
 * logging) works as usual. (The connector's {@code ShutdownSafeLogManager} does a different job: it
 * ignores every reset but the one its own logging setup asks for.)
 */
public final class PayaraMicroLogManager extends LogManager {

  @Override
  public void reset() {
    // The JDK's hook is a nested class of LogManager (LogManager$Cleaner).
    if (Thread.currentThread().getClass().getName().startsWith(LogManager.class.getName() + "$")) {
      return;
    }
    super.reset();
  }
}
