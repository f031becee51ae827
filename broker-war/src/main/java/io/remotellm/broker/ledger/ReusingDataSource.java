package io.remotellm.broker.ledger;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Keeps the last connection given back and hands it to the next caller, so the ledger's batches
 * reuse one connection instead of connecting for each. The JPA provider takes a connection from the
 * data source per transaction and closes it after (EclipseLink's external pooling): without this,
 * an embedded H2 database closed with its last connection after every batch and was opened (and
 * compacted on close) again for the next, about 11 ms of CPU and 160 ms per batch against 0.6 ms
 * reused (docs/benchmarks.md); PostgreSQL would log in per batch. One idle connection is enough:
 * there is one writer, and the admin's occasional reads open their own when it is taken.
 *
 * <p>A connection is reused only in auto-commit mode after a rollback of anything left open; one
 * that fails that reset is closed. A dead connection (the database restarted) fails its next batch,
 * and the ledger then closes this data source and opens a new store ({@link LedgerConnection}).
 */
final class ReusingDataSource implements DataSource, AutoCloseable {

  private final DataSource connector;
  private final AtomicReference<Connection> idle = new AtomicReference<>();
  private volatile boolean closed;

  ReusingDataSource(DataSource connector) {
    this.connector = connector;
  }

  @Override
  public Connection getConnection() throws SQLException {
    if (closed) {
      throw new SQLException("the ledger's data source is closed");
    }
    Connection raw = idle.getAndSet(null);
    if (raw == null || raw.isClosed()) {
      raw = connector.getConnection();
    }
    return lend(raw);
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("the ledger's credentials are fixed");
  }

  /** Closes the idle connection; connections still lent are closed when given back. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(idle.getAndSet(null));
  }

  private Connection lend(Connection raw) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, new Lent(raw));
  }

  private void giveBack(Connection raw) {
    if (closed || !reset(raw) || !idle.compareAndSet(null, raw)) {
      closeQuietly(raw);
      return;
    }
    if (closed) {
      closeQuietly(idle.getAndSet(null)); // close() ran meanwhile and did not see it
    }
  }

  /** Whether {@code raw} is fit for the next caller: open, nothing pending, auto-commit on. */
  private static boolean reset(Connection raw) {
    try {
      if (raw.isClosed()) {
        return false;
      }
      if (!raw.getAutoCommit()) {
        raw.rollback();
        raw.setAutoCommit(true);
      }
      return true;
    } catch (SQLException e) {
      return false; // a broken connection: closed, and the next caller connects afresh
    }
  }

  private static void closeQuietly(Connection raw) {
    if (raw == null) {
      return;
    }
    try {
      raw.close();
    } catch (SQLException e) {
      // Closing a broken connection may fail; it is given up either way.
    }
  }

  /** A lent connection: {@code close()} gives it back, and it cannot be used after that. */
  private final class Lent implements InvocationHandler {

    private final Connection raw;
    private boolean returned;

    Lent(Connection raw) {
      this.raw = raw;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      switch (method.getName()) {
        case "close" -> {
          if (!returned) {
            returned = true;
            giveBack(raw);
          }
          return null;
        }
        case "isClosed" -> {
          return returned || raw.isClosed();
        }
        case "equals" -> {
          return proxy == args[0];
        }
        case "hashCode" -> {
          return System.identityHashCode(proxy);
        }
        case "toString" -> {
          return "ledger connection";
        }
        default -> {
          if (returned) {
            throw new SQLException("connection closed");
          }
          try {
            return method.invoke(raw, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        }
      }
    }
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return connector.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    connector.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    connector.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return connector.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return connector.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    throw new SQLException("not a wrapper of " + type.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> type) {
    return type.isInstance(this);
  }

  /** Never the password: the connector's own text. */
  @Override
  public String toString() {
    return "ReusingDataSource[" + connector + "]";
  }
}
