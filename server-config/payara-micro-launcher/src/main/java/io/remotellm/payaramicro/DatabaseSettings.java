package io.remotellm.payaramicro;

import io.remotellm.settings.BrokerProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the usage ledger lives: the data directory (its embedded database by default), or a
 * PostgreSQL given by URL, user and a password file. The broker reads the password file itself, so
 * the password is never on a command line, in a file of ours, or in a log. Every field is "" when
 * not set: the broker's defaults then apply.
 */
record DatabaseSettings(String dataDir, String url, String user, String passwordFile) {

  static final DatabaseSettings NONE = new DatabaseSettings("", "", "", "");

  /**
   * Without {@code files} the password file is not read (an installer checks settings for a machine
   * where it may not exist yet). What the operator set is recorded in {@code from}.
   */
  static DatabaseSettings resolve(
      BrokerLauncher flags, Map<String, String> env, BrokerSettings.Sources from, boolean files)
      throws UsageException {
    String dataDir = pick(flags.dataDir, env, "REMOTELLM_BROKER_DATA_DIR");
    String url = pick(flags.databaseUrl, env, "REMOTELLM_BROKER_DATABASE_URL");
    String user = pick(flags.databaseUser, env, "REMOTELLM_BROKER_DATABASE_USER");
    String passwordFile =
        pick(flags.databasePasswordFile, env, "REMOTELLM_BROKER_DATABASE_PASSWORD_FILE");
    for (String value : new String[] {dataDir, url, user, passwordFile}) {
      if (value.contains("\n") || value.contains("\r")) {
        throw new UsageException("database settings must not contain line breaks");
      }
    }
    if (!url.isEmpty() && !url.startsWith("jdbc:postgresql:") && !url.startsWith("jdbc:h2:")) {
      // Never quoted back: a URL may carry a password.
      throw new UsageException("--database-url must start with jdbc:postgresql: (or jdbc:h2:)");
    }
    if (url.isEmpty() && (!user.isEmpty() || !passwordFile.isEmpty())) {
      throw new UsageException("--database-user and --database-password-file need --database-url");
    }
    if (!passwordFile.isEmpty()) {
      Path file = Path.of(passwordFile);
      if (files && (!Files.isReadable(file) || Files.isDirectory(file))) {
        throw new UsageException(
            "database password file '" + passwordFile + "' is not a readable file");
      }
      passwordFile = file.toAbsolutePath().toString();
    }
    if (!dataDir.isEmpty()) {
      Path dir = Path.of(dataDir).toAbsolutePath();
      if (Files.exists(dir) && !Files.isDirectory(dir)) {
        throw new UsageException("--data-dir '" + dataDir + "' is not a directory");
      }
      dataDir = dir.toString();
    }
    DatabaseSettings db = new DatabaseSettings(dataDir, url, user, passwordFile);
    put(from.given, "REMOTELLM_BROKER_DATA_DIR", dataDir);
    put(from.given, "REMOTELLM_BROKER_DATABASE_URL", url);
    put(from.given, "REMOTELLM_BROKER_DATABASE_USER", user);
    put(from.given, "REMOTELLM_BROKER_DATABASE_PASSWORD_FILE", passwordFile);
    return db;
  }

  /** The system properties for the broker's MicroProfile Config; only those set. */
  Map<String, String> properties() {
    Map<String, String> all = new java.util.LinkedHashMap<>();
    put(all, BrokerProperties.DATA_DIR, dataDir);
    put(all, BrokerProperties.DATABASE_URL, url);
    put(all, BrokerProperties.DATABASE_USER, user);
    put(all, BrokerProperties.DATABASE_PASSWORD_FILE, passwordFile);
    return all;
  }

  private static void put(Map<String, String> all, String name, String value) {
    if (!value.isEmpty()) {
      all.put(name, value);
    }
  }

  private static String pick(String flag, Map<String, String> env, String name) {
    if (flag != null) {
      return flag;
    }
    String value = env.get(name);
    return value == null ? "" : value;
  }
}
