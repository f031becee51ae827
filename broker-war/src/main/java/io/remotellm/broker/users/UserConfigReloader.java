package io.remotellm.broker.users;

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
 * Looks at the users file every few seconds and puts a changed one in force without a restart, as
 * the connector config is: a new key works at once, a removed one is refused from its next request,
 * a changed limit or allow-list applies from the next request. A file that cannot be read or parsed
 * changes nothing; the error is logged once and shown in the health data.
 */
@ApplicationScoped
public class UserConfigReloader {

  private static final Logger LOG = Logger.getLogger(UserConfigReloader.class.getName());

  @Inject BrokerSettings settings;
  @Inject UserDirectory users;

  @Resource ManagedScheduledExecutorService scheduler;

  private ScheduledFuture<?> poll;
  private WatchedFile watched;

  /** Why the file was last unreadable, to say it once per outage. */
  private String said;

  /** For health: why the file on disk is not the one in force, or null when it is. */
  private volatile String trouble;

  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    Optional<Path> file = settings.userConfigFile();
    Duration every = settings.userConfigReload();
    if (file.isEmpty() || every.isZero()) {
      return;
    }
    watched = new WatchedFile(file.get());
    poll =
        scheduler.scheduleWithFixedDelay(
            this::look, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    LOG.log(
        Level.INFO,
        "watching users file {0} for changes every {1} s",
        new Object[] {file.get(), every.toSeconds()});
  }

  @PreDestroy
  void stop() {
    if (poll != null) {
      poll.cancel(false);
    }
  }

  /**
   * For the health checks: {@code none}, {@code read at start} (not watched), {@code in force}, or
   * {@code not reloaded: <why>}. Never holds a key: reasons name the file and place only.
   */
  public String state() {
    if (settings.userConfigFile().isEmpty()) {
      return "none";
    }
    if (settings.userConfigReload().isZero()) {
      return "read at start";
    }
    String why = trouble;
    return why == null ? "in force" : "not reloaded: " + why;
  }

  synchronized void look() {
    try {
      WatchedFile.Look look = watched.look();
      if (look instanceof WatchedFile.Unreadable u) {
        trouble = u.why();
        if (!u.why().equals(said)) {
          said = u.why();
          LOG.log(Level.WARNING, "users file: {0}; the users in force stay", u.why());
        }
        return;
      }
      said = null;
      if (look instanceof WatchedFile.Changed) {
        // Tried once per content: a refused file is not offered again until it changes.
        try {
          String summary = users.reload();
          watched.applied();
          trouble = null;
          LOG.log(Level.INFO, "users file reloaded: {0}", summary);
        } catch (ConfigurationException e) {
          watched.refused();
          trouble = e.getMessage();
          LOG.log(
              Level.SEVERE,
              "users file not reloaded, the users in force stay: {0}",
              e.getMessage());
        }
      } else if (watched.inForce()) {
        trouble = null;
      }
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again; log and keep looking.
      LOG.log(Level.WARNING, "looking at the users file failed", e);
    }
  }
}
