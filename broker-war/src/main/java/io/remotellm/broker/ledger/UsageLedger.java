package io.remotellm.broker.ledger;

import io.remotellm.broker.config.LedgerSettings;
import io.remotellm.broker.usage.LedgerGauge;
import io.remotellm.broker.usage.UsageListener;
import io.remotellm.broker.usage.UsageRecorded;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The ledger as the broker runs it: told every request's usage, it queues a row for the {@link
 * LedgerWriter}, whose thread opens the database (retrying until it can), writes batches and
 * removes rows past their retention once an hour. Reports its queue and drops to the metrics.
 */
@ApplicationScoped
public class UsageLedger implements UsageListener, LedgerGauge {

  private static final Logger LOG = Logger.getLogger(UsageLedger.class.getName());
  private static final int BATCH = 500;
  private static final Duration PURGE_EVERY = Duration.ofHours(1);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Duration REOPEN_EVERY = Duration.ofSeconds(5);

  @Inject LedgerSettings settings;
  @Resource ManagedThreadFactory threads;
  @Inject Event<LedgerOpened> opened;

  private LedgerWriter writer;
  private volatile Thread writerThread;
  private LedgerConnection connection;
  private long lastPurgeNanos;
  private boolean purged;

  @PostConstruct
  void init() {
    if (!settings.enabled()) {
      LOG.info("Usage ledger off (remotellm.broker.ledger-enabled=false)");
      return;
    }
    connection = new LedgerConnection(this::open, this::purge, REOPEN_EVERY);
    writer =
        new LedgerWriter(
            connection,
            settings.queueSize(),
            BATCH,
            Duration.ofMillis(500),
            Duration.ofSeconds(30));
    // The thread starts in onStart, once the embedded database is open.
  }

  /**
   * Opens the database with the application, not with the first request. The embedded database is
   * opened here, on the thread that starts the application, before its writer's thread starts: what
   * the admin API stored (issued keys, revoked connector tokens) is then in force before the first
   * request, where otherwise a key issued before a restart got 401, and a revoked token was let in,
   * until the writer's thread had opened it (15 s after a redeploy on a loaded WildFly; Liberty
   * runs a managed thread only once the application has started). A database server (PostgreSQL) is
   * opened by the writer's thread alone, so one that is away does not hold the start; until it is
   * open, admin-issued keys get 401 (README).
   */
  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    if (writer == null || writerThread != null) {
      return;
    }
    if (settings.embedded()) {
      try {
        connection.idle();
      } catch (RuntimeException | LinkageError e) {
        // The writer's thread tries again and logs the failure once.
        LOG.log(Level.FINE, "Usage ledger: first open failed", e);
      }
    }
    writerThread = threads.newThread(writer::run);
    writerThread.setName("remotellm-ledger");
    writerThread.start();
  }

  @Override
  public void recorded(UsageRecorded usage) {
    if (writer != null) {
      writer.offer(usage);
    }
  }

  @Override
  public long queued() {
    return writer == null ? 0 : writer.queued();
  }

  @Override
  public long dropped() {
    return writer == null ? 0 : writer.dropped();
  }

  /** Whether the ledger (and so the admin API's database) is on at all. */
  public boolean enabled() {
    return settings.enabled();
  }

  /** The open store, or null while the database has not been reached: for tests and the admin. */
  public LedgerStore store() {
    return connection == null ? null : connection.store();
  }

  @PreDestroy
  void stop() {
    if (writer == null) {
      return;
    }
    if (writerThread == null) {
      connection.close();
      return;
    }
    try {
      writer.stop(STOP_GRACE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    connection.close();
  }

  /** Connects, migrates and opens the store: the writer's thread, at start and after failures. */
  private LedgerStore open() {
    if (settings.embedded()) {
      makeDataDir(settings.dataDir());
    }
    LedgerStore open =
        LedgerStore.open(
            settings.databaseUrl(),
            settings.databaseUser().orElse(settings.embedded() ? "sa" : null),
            settings.databasePassword().orElse(null));
    LOG.log(
        Level.INFO,
        "Usage ledger: writing to {0}",
        settings.embedded()
            ? "the embedded database in " + settings.dataDir().toAbsolutePath()
            : DriverDataSource.kind(settings.databaseUrl()) + " (remotellm.broker.database-url)");
    try {
      // What the admin API stored is put in force before anything else uses this store; if that
      // fails the store is dropped and opened again later, like any other failure.
      opened.fire(new LedgerOpened(open));
    } catch (RuntimeException e) {
      open.close();
      throw e;
    }
    return open;
  }

  /** Removes rows and days past their retention, at most once an hour. */
  private void purge(LedgerStore store) {
    long now = System.nanoTime();
    if (purged && now - lastPurgeNanos < PURGE_EVERY.toNanos()) {
      return;
    }
    purged = true;
    lastPurgeNanos = now;
    OffsetDateTime rowsBefore =
        settings.retention().map(r -> OffsetDateTime.now(ZoneOffset.UTC).minus(r)).orElse(null);
    LocalDate daysBefore =
        settings
            .dailyRetention()
            .map(r -> LocalDate.now(ZoneOffset.UTC).minusDays(r.toDays()))
            .orElse(null);
    if (rowsBefore != null || daysBefore != null) {
      int removed = store.purge(rowsBefore, daysBefore);
      if (removed > 0) {
        LOG.log(Level.INFO, "Usage ledger: {0} row(s) past retention removed", removed);
      }
    }
  }

  /** The data directory, readable by the broker's user only when it makes it. */
  private static void makeDataDir(Path dir) {
    if (Files.isDirectory(dir)) {
      return;
    }
    try {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (UnsupportedOperationException e) {
      try {
        Files.createDirectories(dir); // not a POSIX file system
      } catch (IOException again) {
        throw new IllegalStateException("cannot create the data directory " + dir, again);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot create the data directory " + dir, e);
    }
  }
}
