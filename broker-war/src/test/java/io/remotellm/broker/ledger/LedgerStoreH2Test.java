package io.remotellm.broker.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger in the embedded database, a file as the broker makes it under its data directory. */
class LedgerStoreH2Test extends LedgerStoreContract {

  @TempDir Path dataDir;
  private LedgerStore store;
  private LedgerStore second;

  private String url() {
    return "jdbc:h2:file:" + dataDir.resolve("ledger") + ";DB_CLOSE_ON_EXIT=FALSE";
  }

  @Override
  LedgerStore store() {
    store = LedgerStore.open(url(), "sa", null);
    return store;
  }

  @Override
  LedgerStore secondStore() {
    second = LedgerStore.open(url(), "sa", null);
    return second;
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
    if (second != null) {
      second.close();
    }
  }

  @Test
  void theSchemaIsMigratedOnceAndRowsOutliveARestart() throws Exception {
    Instant t = Instant.parse("2026-12-06T08:00:00Z");
    try (LedgerStore first = LedgerStore.open(url(), "sa", null)) {
      first.write(List.of(Usages.of(t, "alice", "llama", 200, 1, 2, false)));
    }
    assertThat(Files.list(dataDir).map(p -> p.getFileName().toString())).contains("ledger.mv.db");
    store = LedgerStore.open(url(), "sa", null);
    assertThat(store.entriesSince(t.atOffset(ZoneOffset.UTC))).hasSize(1);
    store.close();
    store = null;
    try (Connection c = new DriverDataSource(url(), "sa", null).getConnection();
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT \"version\", \"success\" FROM \"usage_schema_history\""
                        + " WHERE \"version\" IS NOT NULL")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("1");
      assertThat(rs.getBoolean(2)).isTrue();
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("2");
      assertThat(rs.next()).as("each applied once").isFalse();
    }
  }
}
