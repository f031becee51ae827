package io.remotellm.broker.ledger;

import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The admin tables in a real PostgreSQL: the same contract as the embedded database. */
class AdminStorePostgresTest extends AdminStoreContract {

  private static PostgresCluster postgres;
  private LedgerStore store;

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
  void closeStore() {
    if (store != null) {
      store.close();
      store = null;
    }
  }

  /** Each test starts from empty tables (the schema stays, as Flyway made it). */
  @AfterEach
  void empty() throws Exception {
    closeStore();
    try (Connection c =
            new DriverDataSource(postgres.url(), PostgresCluster.USER, PostgresCluster.PASSWORD)
                .getConnection();
        Statement s = c.createStatement()) {
      s.execute("DELETE FROM admin_user_key");
      s.execute("DELETE FROM admin_revoked_token");
      s.execute("DELETE FROM admin_audit");
    }
  }
}
