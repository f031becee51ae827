package io.remotellm.broker.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One idle connection kept for the next caller, on the embedded database the broker uses. */
class ReusingDataSourceTest {

  @TempDir Path dataDir;
  private final AtomicInteger connects = new AtomicInteger();
  private ReusingDataSource source;

  @BeforeEach
  void open() throws SQLException {
    source = new ReusingDataSource(counting(driver()));
    try (Connection c = source.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (n INT)");
    }
  }

  @AfterEach
  void close() {
    source.close();
  }

  private DataSource driver() {
    return new DriverDataSource(
        "jdbc:h2:file:" + dataDir.resolve("ledger") + ";DB_CLOSE_ON_EXIT=FALSE", "sa", null);
  }

  /** {@code target}, counting the connections it opens. */
  private DataSource counting(DataSource target) {
    return (DataSource)
        Proxy.newProxyInstance(
            DataSource.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getConnection")) {
                connects.incrementAndGet();
              }
              try {
                return method.invoke(target, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Test
  void batchAfterBatchUseOneConnection() throws SQLException {
    for (int i = 0; i < 10; i++) {
      try (Connection c = source.getConnection()) {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
          s.executeUpdate("INSERT INTO t VALUES (" + i + ")");
        }
        c.commit();
        c.setAutoCommit(true);
      }
    }
    assertThat(connects.get()).isEqualTo(1);
    assertThat(count(source)).isEqualTo(10);
  }

  @Test
  void whatACallerLeftUncommittedIsRolledBackBeforeTheNextOneGetsTheConnection()
      throws SQLException {
    try (Connection c = source.getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO t VALUES (1)");
      }
    }
    try (Connection c = source.getConnection()) {
      assertThat(c.getAutoCommit()).isTrue();
    }
    assertThat(count(source)).isZero();
    assertThat(connects.get()).isEqualTo(1);
  }

  @Test
  void aConnectionGivenBackCannotBeUsed() throws SQLException {
    Connection c = source.getConnection();
    c.close();
    assertThat(c.isClosed()).isTrue();
    assertThatThrownBy(c::createStatement).isInstanceOf(SQLException.class);
    c.close(); // twice: no harm, and not given back twice
    try (Connection a = source.getConnection();
        Connection b = source.getConnection()) {
      assertThat(a).isNotSameAs(b);
    }
    assertThat(connects.get()).isEqualTo(2);
  }

  @Test
  void closingTheSourceClosesTheIdleConnectionSoTheEmbeddedDatabaseCloses() throws SQLException {
    Connection lent = source.getConnection();
    Connection raw = lent.unwrap(Connection.class);
    lent.close();
    assertThat(raw.isClosed()).as("kept for the next caller").isFalse();
    source.close();
    assertThat(raw.isClosed()).isTrue();
    assertThatThrownBy(source::getConnection).isInstanceOf(SQLException.class);
  }

  @Test
  void aBrokenConnectionIsNotLentAgain() throws SQLException {
    Connection lent = source.getConnection();
    lent.unwrap(Connection.class).close(); // as when the database went away under it
    lent.close();
    try (Connection c = source.getConnection()) {
      assertThat(c.isValid(1)).isTrue();
    }
    assertThat(connects.get()).isEqualTo(2);
  }

  private static int count(DataSource source) throws SQLException {
    try (Connection c = source.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
