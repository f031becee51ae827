package io.remotellm.broker.relay;

import io.remotellm.broker.auth.ConnectorChanges;
import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.config.ConfigurationException;
import io.remotellm.broker.config.WatchedFile;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Looks at the connector config file every few seconds and puts a changed one in force without a
 * restart: a removed token's connectors are closed, a new token may connect, a changed LLM key is
 * used from the next request on.
 *
 * <p>A change is applied once the file has read the same on two looks in a row ({@link
 * WatchedFile}), so an editor caught half-way through writing it cannot revoke tokens by accident.
 * A file that cannot be read or parsed changes nothing: the tokens in force stay, and the error is
 * logged once per content.
 */
@ApplicationScoped
public class ConnectorConfigReloader {

  private static final Logger LOG = Logger.getLogger(ConnectorConfigReloader.class.getName());

  @Inject BrokerSettings settings;
  @Inject Credentials credentials;
  @Inject ConnectorRegistry registry;

  @Resource ManagedScheduledExecutorService scheduler;

  private ScheduledFuture<?> poll;

  /** The file's contents seen, in force and refused; made at the first look. */
  private WatchedFile watched;

  /** What was last said about the file not being there or not readable, to say it once. */
  private String problem;

  /** For health: why the file on disk is not the one in force, or null when it is. */
  private volatile String trouble;

  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    Optional<Path> configured = settings.connectorConfigFile();
    Duration every = settings.connectorConfigReload();
    if (configured.isEmpty() || every.isZero()) {
      return;
    }
    poll =
        scheduler.scheduleWithFixedDelay(
            this::look, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    LOG.log(
        Level.INFO,
        "watching connector config {0} for changes every {1} s",
        new Object[] {configured.get(), every.toSeconds()});
  }

  @PreDestroy
  void stop() {
    if (poll != null) {
      poll.cancel(false);
    }
  }

  /**
   * For the health checks: {@code none} (no file), {@code read at start} (not watched), {@code in
   * force}, or {@code not reloaded: <why>} while the file on disk cannot be put in force. Never
   * holds a token: the reasons name the file and line only.
   */
  public String state() {
    if (settings.connectorConfigFile().isEmpty()) {
      return "none";
    }
    if (settings.connectorConfigReload().isZero()) {
      return "read at start";
    }
    String why = trouble;
    return why == null ? "in force" : "not reloaded: " + why;
  }

  /** One look at the file; runs on the scheduler, one look at a time. */
  synchronized void look() {
    try {
      if (watched == null) {
        watched = new WatchedFile(settings.connectorConfigFile().orElseThrow());
      }
      WatchedFile.Look look = watched.look();
      if (look instanceof WatchedFile.Unreadable unreadable) {
        trouble = unreadable.why();
        sayOnce("connector config: " + unreadable.why() + "; the connector tokens in force stay");
        return;
      }
      problem = null;
      if (!(look instanceof WatchedFile.Changed)) {
        if (watched.inForce()) {
          // What is on disk is what is in force (again, after a file that was gone or broken).
          trouble = null;
        }
        return;
      }
      ConnectorChanges changes;
      try {
        changes = credentials.reloadConnectors();
      } catch (ConfigurationException e) {
        watched.refused();
        trouble = e.getMessage();
        LOG.log(
            Level.SEVERE,
            "connector config not reloaded, the connector tokens in force stay: {0}",
            e.getMessage());
        return;
      }
      watched.applied();
      trouble = null;
      if (!changes.isEmpty()) {
        LOG.log(Level.INFO, "connector config reloaded: {0}", changes);
        registry.recheckCredentials();
      }
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again; log and keep looking.
      LOG.log(Level.WARNING, "looking at the connector config failed", e);
    }
  }

  private void sayOnce(String message) {
    if (!message.equals(problem)) {
      problem = message;
      LOG.warning(message);
    }
  }
}
