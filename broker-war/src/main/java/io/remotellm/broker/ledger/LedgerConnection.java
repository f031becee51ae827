package io.remotellm.broker.ledger;

import io.remotellm.broker.usage.UsageRecorded;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The writer's hold on the database: opens the {@link LedgerStore} when first needed, and after any
 * failure closes it and opens a new one on the next try. A JPA provider may keep a unit whose first
 * connection failed as failed for good (EclipseLink does), and a pooled connection to a restarted
 * database is dead; starting afresh is the one recovery that works for every cause. Used by one
 * thread at a time: the application's starting thread for the first open, then the writer's.
 */
final class LedgerConnection implements LedgerWriter.Batches {

  private final Supplier<LedgerStore> opener;
  private final Consumer<LedgerStore> housekeeping;
  private final long reopenNanos;
  private volatile LedgerStore store;
  private long lastOpenNanos;
  private boolean triedOpen;

  /**
   * @param opener connects, migrates and opens a store, or throws
   * @param housekeeping run with the open store when there is nothing to write (retention)
   * @param reopenEvery how often an idle writer tries to open a database that was away
   */
  LedgerConnection(
      Supplier<LedgerStore> opener, Consumer<LedgerStore> housekeeping, Duration reopenEvery) {
    this.opener = opener;
    this.housekeeping = housekeeping;
    this.reopenNanos = reopenEvery.toNanos();
  }

  /** The open store, or null while the database has not been reached. */
  LedgerStore store() {
    return store;
  }

  @Override
  public void write(List<UsageRecorded> batch) {
    LedgerStore open = open();
    try {
      open.write(batch);
    } catch (RuntimeException e) {
      discard();
      throw e;
    }
  }

  /**
   * Opens the database at start, before the first request ends (schema made or migrated), and while
   * it is away tries again every few seconds; once open, runs the housekeeping.
   */
  @Override
  public void idle() {
    if (store == null) {
      long now = System.nanoTime();
      if (!triedOpen || now - lastOpenNanos >= reopenNanos) {
        open();
      }
      return;
    }
    try {
      housekeeping.accept(store);
    } catch (RuntimeException e) {
      discard();
      throw e;
    }
  }

  /** Closes the store for good (the broker is stopping). */
  void close() {
    discard();
  }

  private LedgerStore open() {
    LedgerStore open = store;
    if (open == null) {
      triedOpen = true;
      lastOpenNanos = System.nanoTime();
      open = opener.get();
      store = open;
    }
    return open;
  }

  private void discard() {
    LedgerStore open = store;
    store = null;
    if (open != null) {
      try {
        open.close();
      } catch (RuntimeException e) {
        // A unit that failed may fail to close too; it is dropped either way.
      }
    }
  }
}
