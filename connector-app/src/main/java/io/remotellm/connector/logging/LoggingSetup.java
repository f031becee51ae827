package io.remotellm.connector.logging;

import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** Points JUL at stderr in JSON lines; libraries are held at WARNING unless tracing. */
public final class LoggingSetup {
  private LoggingSetup() {}

  /** Call first thing in main, before any logger exists, so shutdown lines are not lost. */
  public static void installShutdownSafeManager() {
    System.setProperty("java.util.logging.manager", ShutdownSafeLogManager.class.getName());
  }

  public static void configure(Level level) {
    LogManager manager = LogManager.getLogManager();
    if (manager instanceof ShutdownSafeLogManager safe) {
      safe.resetNow();
    } else {
      manager.reset();
    }
    Logger root = Logger.getLogger("");
    ConsoleHandler handler = new ConsoleHandler();
    handler.setFormatter(new JsonLineFormatter());
    handler.setLevel(Level.ALL);
    // A filter, not logger levels: JUL holds named loggers weakly, so their levels can be lost.
    boolean tracing = level.intValue() <= Level.FINEST.intValue();
    handler.setFilter(
        record ->
            tracing
                || record.getLevel().intValue() >= Level.WARNING.intValue()
                || (record.getLoggerName() != null
                    && record.getLoggerName().startsWith("io.remotellm")));
    root.addHandler(handler);
    root.setLevel(level);
  }
}
