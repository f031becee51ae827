package io.remotellm.broker.config;

import io.remotellm.settings.BrokerProperties;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Applies {@code remotellm.broker.log-level} (the seed's names DEBUG, INFO, WARNING, ERROR) to the
 * broker's own loggers at startup, so the setting works on any server without its admin tools.
 */
@ApplicationScoped
public class LogLevelConfigurer {

  /** Held here so the configured level is not lost when JUL drops an unreferenced logger. */
  private final Logger brokerLogger = Logger.getLogger("io.remotellm");

  @Inject BrokerSettings settings;

  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    brokerLogger.setLevel(toLevel(settings.logLevel()));
  }

  public static Level toLevel(String name) {
    return switch (name == null
        ? BrokerProperties.LOG_LEVEL_DEFAULT
        : name.strip().toUpperCase(Locale.ROOT)) {
      case "DEBUG", "FINE" -> Level.FINE;
      case "TRACE", "FINEST" -> Level.FINEST;
      case "WARNING", "WARN" -> Level.WARNING;
      case "ERROR", "CRITICAL", "SEVERE" -> Level.SEVERE;
      default -> Level.INFO;
    };
  }
}
