package io.remotellm.broker.config;

import io.remotellm.settings.BrokerProperties;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The usage ledger's settings, read once through MicroProfile Config: each one's name and default
 * are written here only. Without a database URL the ledger is an H2 file in the data directory.
 */
@ApplicationScoped
public class LedgerSettings {

  @Inject
  @ConfigProperty(name = "remotellm.broker.ledger-enabled", defaultValue = "true")
  boolean enabled;

  @Inject
  @ConfigProperty(name = BrokerProperties.DATA_DIR)
  Optional<String> dataDir;

  @Inject
  @ConfigProperty(name = BrokerProperties.DATABASE_URL)
  Optional<String> databaseUrl;

  @Inject
  @ConfigProperty(name = BrokerProperties.DATABASE_USER)
  Optional<String> databaseUser;

  @Inject
  @ConfigProperty(name = BrokerProperties.DATABASE_PASSWORD_FILE)
  Optional<String> databasePasswordFile;

  @Inject
  @ConfigProperty(name = "remotellm.broker.ledger-queue-size", defaultValue = "100000")
  int queueSize;

  @Inject
  @ConfigProperty(name = "remotellm.broker.ledger-retention-days", defaultValue = "90")
  int retentionDays;

  @Inject
  @ConfigProperty(name = "remotellm.broker.ledger-daily-retention-days", defaultValue = "0")
  int dailyRetentionDays;

  public boolean enabled() {
    return enabled;
  }

  /** Where the embedded database lives: {@code ~/.remotellm/broker} unless set. */
  public Path dataDir() {
    return dataDir
        .map(String::strip)
        .filter(d -> !d.isEmpty())
        .map(Path::of)
        .orElse(Path.of(System.getProperty("user.home"), ".remotellm", "broker"));
  }

  /** The JDBC URL: the one set, or the H2 file {@code ledger} in the data directory. */
  public String databaseUrl() {
    return databaseUrl
        .map(String::strip)
        .filter(u -> !u.isEmpty())
        .orElse(
            "jdbc:h2:file:"
                + dataDir().toAbsolutePath().resolve("ledger")
                // The broker closes the database itself, after its last write.
                + ";DB_CLOSE_ON_EXIT=FALSE");
  }

  /** Whether the database is the embedded one, in the data directory. */
  public boolean embedded() {
    return databaseUrl.map(String::strip).filter(u -> !u.isEmpty()).isEmpty();
  }

  public Optional<String> databaseUser() {
    return databaseUser.map(String::strip).filter(u -> !u.isEmpty());
  }

  /**
   * The password: the first line of the password file, read when the database is opened (so a
   * rotated password is used on the next connection). Empty without a file.
   */
  public Optional<String> databasePassword() {
    Optional<Path> file =
        databasePasswordFile.map(String::strip).filter(f -> !f.isEmpty()).map(Path::of);
    if (file.isEmpty()) {
      return Optional.empty();
    }
    try {
      String text = Files.readString(file.get(), StandardCharsets.UTF_8);
      int eol = text.indexOf('\n');
      return Optional.of((eol < 0 ? text : text.substring(0, eol)).replace("\r", ""));
    } catch (IOException e) {
      throw new ConfigurationException(
          "cannot read the database password file "
              + file.get()
              + ": "
              + e.getClass().getSimpleName(),
          e);
    }
  }

  /** Records that may wait for the database; past this they are dropped (and counted). */
  public int queueSize() {
    return Math.max(1000, queueSize);
  }

  /** How long a request's row is kept; empty keeps rows for ever. */
  public Optional<Duration> retention() {
    return retentionDays > 0 ? Optional.of(Duration.ofDays(retentionDays)) : Optional.empty();
  }

  /** How long daily totals are kept; empty keeps them for ever. */
  public Optional<Duration> dailyRetention() {
    return dailyRetentionDays > 0
        ? Optional.of(Duration.ofDays(dailyRetentionDays))
        : Optional.empty();
  }
}
