package io.remotellm.broker.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ledger in a real PostgreSQL: the same contract as the embedded database, and an outage. */
class LedgerStorePostgresTest extends LedgerStoreContract {

  private static PostgresCluster postgres;
  private LedgerStore store;
  private LedgerStore second;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = PostgresCluster.start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Override
  LedgerStore store() {
    store = LedgerStore.open(postgres.url(), PostgresCluster.USER, PostgresCluster.PASSWORD);
    return store;
  }

  @Override
  LedgerStore secondStore() {
    second = LedgerStore.open(postgres.url(), PostgresCluster.USER, PostgresCluster.PASSWORD);
    return second;
  }

  /** Each test starts from empty tables (the schema stays, as Flyway made it). */
  @AfterEach
  void empty() throws Exception {
    if (store != null) {
      store.close();
    }
    if (second != null) {
      second.close();
      second = null;
    }
    try (Connection c =
            new DriverDataSource(postgres.url(), PostgresCluster.USER, PostgresCluster.PASSWORD)
                .getConnection();
        Statement s = c.createStatement()) {
      s.execute("DELETE FROM usage_record");
      s.execute("DELETE FROM usage_daily");
    }
  }

  @Test
  void aWrongPasswordIsRefused() {
    assertThatThrownBy(() -> LedgerStore.open(postgres.url(), PostgresCluster.USER, "wrong"))
        .isNotNull();
  }

  @Test
  void aDatabaseAwayAtStartIsWrittenToOnceItComes() throws Exception {
    postgres.stopServer();
    LedgerConnection connection =
        new LedgerConnection(
            () -> LedgerStore.open(postgres.url(), PostgresCluster.USER, PostgresCluster.PASSWORD),
            store -> {},
            Duration.ofMillis(200));
    LedgerWriter writer =
        new LedgerWriter(connection, 1000, 200, Duration.ofMillis(50), Duration.ofMillis(500));
    Thread thread = new Thread(writer::run, "ledger-writer-pg-late");
    thread.start();
    try {
      Instant t = Instant.parse("2026-12-07T12:00:00Z");
      for (int i = 0; i < 100; i++) {
        writer.offer(Usages.of(t.plusMillis(i), "bob", "llama", 200, 1, 1, false));
      }
      // Tried and failed (the unit's first connection among them): nothing written yet.
      org.awaitility.Awaitility.await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(10))
          .until(() -> writer.written() == 0 && writer.queued() == 100);
      postgres.startServer();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> writer.written() == 100);
    } finally {
      if (!isRunning()) {
        postgres.startServer();
      }
      writer.stop(Duration.ofSeconds(10));
      thread.join(10_000);
      connection.close();
    }
    assertThat(store().entriesSince(Instant.parse("2026-12-07T00:00:00Z").atOffset(ZoneOffset.UTC)))
        .hasSize(100);
  }

  private static boolean isRunning() {
    try (Connection c =
        new DriverDataSource(postgres.url(), PostgresCluster.USER, PostgresCluster.PASSWORD)
            .getConnection()) {
      return c.isValid(2);
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void databaseStoppedUnderLoadLosesNoRecord() throws Exception {
    // As the broker runs it: the store is reopened after a failure.
    LedgerConnection connection =
        new LedgerConnection(
            () -> LedgerStore.open(postgres.url(), PostgresCluster.USER, PostgresCluster.PASSWORD),
            store -> {},
            Duration.ofMillis(200));
    LedgerWriter writer =
        new LedgerWriter(connection, 100_000, 200, Duration.ofMillis(50), Duration.ofMillis(500));
    Thread thread = new Thread(writer::run, "ledger-writer-pg");
    thread.start();
    Instant t = Instant.parse("2026-12-06T12:00:00Z");
    List<io.remotellm.broker.usage.UsageRecorded> sent = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      if (i == 1000) {
        postgres.stopServer();
      }
      if (i == 2000) {
        assertThat(writer.queued()).as("waiting while the database is away").isPositive();
        postgres.startServer();
      }
      var usage = Usages.of(t.plusMillis(i), "alice", "llama", 200, 1, 2, false);
      sent.add(usage);
      assertThat(writer.offer(usage)).isTrue();
    }
    assertThat(writer.stop(Duration.ofSeconds(60))).isTrue();
    thread.join(10_000);
    assertThat(writer.dropped()).isZero();
    assertThat(writer.written()).isEqualTo(3000);
    connection.close();
    LedgerStore open = store();
    assertThat(open.entriesSince(t.atOffset(ZoneOffset.UTC))).hasSize(3000);
    assertThat(open.daily(LocalDate.parse("2026-12-06")))
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.requests()).isEqualTo(3000);
              assertThat(d.inputTokens()).isEqualTo(3000);
              assertThat(d.outputTokens()).isEqualTo(6000);
            });
  }
}
