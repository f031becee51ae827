package io.remotellm.broker.ledger;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source that opens a plain JDBC connection per call, with a driver from the WAR: the same
 * on every server, with no data source to define in any of them. The driver is asked directly, not
 * through {@link java.sql.DriverManager}, which may not see drivers inside a web application.
 * Connections are few (one writer, batches), so no pool is needed.
 */
final class DriverDataSource implements DataSource {

  private final Driver driver;
  private final String url;
  private final Properties credentials = new Properties();

  /** {@code password} may be null; it is never logged or shown. */
  DriverDataSource(String url, String user, String password) {
    this.url = url;
    this.driver = driverFor(url);
    if (user != null) {
      credentials.setProperty("user", user);
    }
    if (password != null) {
      credentials.setProperty("password", password);
    }
  }

  /** The database kind of {@code url}: {@code h2} or {@code postgresql}. */
  static String kind(String url) {
    if (url.startsWith("jdbc:h2:")) {
      return "h2";
    }
    if (url.startsWith("jdbc:postgresql:")) {
      return "postgresql";
    }
    throw new IllegalArgumentException(
        "database URL must start with jdbc:postgresql: or jdbc:h2: (got '"
            + LedgerText.cut(url.replaceAll("[?;].*", ""), 40)
            + "')");
  }

  /**
   * Which H2 the ledger loads, as "H2 2.3.232 from h2-2.3.232.jar": read from the class itself, not
   * from a constant the compiler copied in, so it tells the WAR's pinned H2 from a server's own
   * (Payara Micro carries an older one).
   */
  static String h2Version() {
    try {
      Class<?> constants =
          Class.forName("org.h2.engine.Constants", false, DriverDataSource.class.getClassLoader());
      Object version = constants.getField("VERSION").get(null);
      java.security.CodeSource source = constants.getProtectionDomain().getCodeSource();
      String from =
          source == null || source.getLocation() == null
              ? "an unknown jar"
              : java.nio.file.Path.of(source.getLocation().getPath()).getFileName().toString();
      return "H2 " + version + " from " + from;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      return "H2 version unknown: " + e.getClass().getSimpleName();
    }
  }

  private static Driver driverFor(String url) {
    String name = kind(url).equals("h2") ? "org.h2.Driver" : "org.postgresql.Driver";
    try {
      return (Driver)
          Class.forName(name, true, DriverDataSource.class.getClassLoader())
              .getDeclaredConstructor()
              .newInstance();
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new IllegalStateException("JDBC driver " + name + " is missing from the WAR", e);
    }
  }

  @Override
  public Connection getConnection() throws SQLException {
    Connection connection = driver.connect(url, credentials);
    if (connection == null) {
      throw new SQLException("the JDBC driver does not take this URL");
    }
    return connection;
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("the ledger's credentials are fixed");
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {
    // JDBC's own log writer stays off: it could print connection properties.
  }

  @Override
  public void setLoginTimeout(int seconds) {
    // The drivers' own connect timeouts apply (PostgreSQL's loginTimeout and connectTimeout).
  }

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
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

  /** Never the password. */
  @Override
  public String toString() {
    return "DriverDataSource[" + url.replaceAll("[?;].*", "") + "]";
  }
}
