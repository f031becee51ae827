package io.remotellm.broker.ledger;

import io.remotellm.broker.usage.UsageRecorded;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * The ledger's tables: a batch of requests written in one transaction (their rows, and their days'
 * totals added to) through plain JDBC, and through Jakarta Persistence old rows removed and the
 * reads the tests and the admin page need. Opening it migrates the schema first.
 */
public final class LedgerStore implements AutoCloseable {

  private final EntityManagerFactory factory;
  private final ReusingDataSource dataSource;
  private final LedgerBatchJdbc batches;

  private LedgerStore(EntityManagerFactory factory, ReusingDataSource dataSource, String kind) {
    this.factory = factory;
    this.dataSource = dataSource;
    this.batches = new LedgerBatchJdbc(dataSource, kind);
  }

  /**
   * Connects, migrates the schema and opens the persistence unit; fails if the database is away.
   */
  public static LedgerStore open(String url, String user, String password) {
    ReusingDataSource dataSource = new ReusingDataSource(new DriverDataSource(url, user, password));
    EntityManagerFactory factory;
    try {
      LedgerSchema.migrate(dataSource);
      factory = LedgerUnit.open(dataSource);
    } catch (RuntimeException e) {
      dataSource.close();
      throw e;
    }
    try {
      // Providers deploy a unit on its first entity manager (EclipseLink connects then): do it
      // now, so that a store that opened works, and one that cannot work fails here.
      factory.createEntityManager().close();
    } catch (RuntimeException e) {
      factory.close();
      dataSource.close();
      throw e;
    }
    return new LedgerStore(factory, dataSource, DriverDataSource.kind(url));
  }

  /**
   * Writes {@code batch} whole or not at all, through plain JDBC batching ({@link
   * LedgerBatchJdbc}); throws when the database is away.
   */
  public void write(List<UsageRecorded> batch) {
    try {
      batches.write(batch);
    } catch (SQLException e) {
      throw new IllegalStateException("ledger batch not written", e);
    }
  }

  /**
   * Removes rows that started before {@code rowsBefore} and daily totals of days before {@code
   * daysBefore} (either null: keep); returns how many rows went.
   */
  public int purge(OffsetDateTime rowsBefore, LocalDate daysBefore) {
    EntityManager em = factory.createEntityManager();
    EntityTransaction tx = em.getTransaction();
    try {
      tx.begin();
      int rows = 0;
      if (rowsBefore != null) {
        rows =
            em.createQuery("DELETE FROM LedgerEntry e WHERE e.startedAt < :before")
                .setParameter("before", rowsBefore)
                .executeUpdate();
      }
      if (daysBefore != null) {
        em.createQuery("DELETE FROM DailyUsage d WHERE d.key.day < :before")
            .setParameter("before", daysBefore)
            .executeUpdate();
      }
      tx.commit();
      return rows;
    } finally {
      if (tx.isActive()) {
        tx.rollback();
      }
      em.close();
    }
  }

  /** The rows of requests that started on or after {@code from}, oldest first. */
  public List<LedgerEntry> entriesSince(OffsetDateTime from) {
    EntityManager em = factory.createEntityManager();
    try {
      return em.createQuery(
              "SELECT e FROM LedgerEntry e WHERE e.startedAt >= :from ORDER BY e.startedAt, e.id",
              LedgerEntry.class)
          .setParameter("from", from)
          .getResultList();
    } finally {
      em.close();
    }
  }

  /** The totals of {@code day}, by user and model. */
  public List<DailyUsage> daily(LocalDate day) {
    EntityManager em = factory.createEntityManager();
    try {
      return em.createQuery(
              "SELECT d FROM DailyUsage d WHERE d.key.day = :day"
                  + " ORDER BY d.key.userName, d.key.model",
              DailyUsage.class)
          .setParameter("day", day)
          .getResultList();
    } finally {
      em.close();
    }
  }

  /** The admin API's tables, on this store's persistence unit. */
  public AdminStore admin() {
    return new AdminStore(factory);
  }

  @Override
  public void close() {
    try {
      factory.close();
    } finally {
      dataSource.close(); // the last connection: an embedded database closes with it
    }
  }
}
