package io.remotellm.payaramicro;

import io.remotellm.settings.BrokerProperties;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The broker's launch settings after flags, the seed's {@code REMOTELLM_BROKER_*} variables and the
 * defaults are combined and checked: the one place each flag's variable, default and check is
 * written. A flag wins over its variable; a repeated flag replaces its comma-separated variable.
 *
 * <p>A new flag: an {@code @Option} in {@link BrokerLauncher}, its line in {@code usage.txt}, and
 * here a {@code pick}/{@code list} naming its variable and default (which also puts it into the
 * installers' env files) and its check.
 */
record BrokerSettings(
    String host,
    int port,
    int healthPort,
    String logLevel,
    List<String> connectorTokens,
    List<String> userApiKeys,
    List<String> adminKeys,
    String connectorConfig,
    String userConfig,
    String metricsToken,
    boolean allowAnonymous,
    Tls tls,
    DatabaseSettings database,
    ClusterSettings cluster,
    Sources sources) {

  static final String DEFAULT_HOST = "0.0.0.0";
  static final String DEFAULT_PORT = "8443";
  static final String DEFAULT_HEALTH_PORT = "8080";
  static final String DEFAULT_LOG_LEVEL = BrokerProperties.LOG_LEVEL_DEFAULT;
  static final List<String> LEVELS = List.of("DEBUG", "INFO", "WARNING", "ERROR");

  /** HTTPS on {@code httpsPort} with the key {@code alias} of this keystore; null without TLS. */
  record Tls(int httpsPort, Path keystore, String storeType, String password, String alias) {
    @Override
    public String toString() {
      // Never the password: a record's default toString would print it.
      return "Tls[" + httpsPort + ", " + keystore + ", " + storeType + ", " + alias + "]";
    }
  }

  /**
   * Each variable the operator set (by its flag or itself) with its value as the variable holds it,
   * and each default that applied: what {@code --print-env} writes, in the order resolved. Its
   * toString names no value, as values are secrets.
   */
  static final class Sources {
    final Map<String, String> given = new LinkedHashMap<>();
    final Map<String, String> defaults = new LinkedHashMap<>();

    @Override
    public String toString() {
      return "Sources" + given.keySet();
    }
  }

  /** Combines {@code flags} (null or empty where not given) with {@code env}, and checks them. */
  static BrokerSettings resolve(BrokerLauncher flags, Map<String, String> env)
      throws UsageException {
    return resolve(flags, env, true);
  }

  /**
   * Without {@code files}, files named are not read (the installers check settings for a machine
   * where they may not exist yet; the broker checks them when it starts), paths are only made
   * absolute, and a keystore's key alias is left for the start to find.
   */
  static BrokerSettings resolve(BrokerLauncher flags, Map<String, String> env, boolean files)
      throws UsageException {
    Sources from = new Sources();
    String host = pick(from, flags.host, env, "REMOTELLM_BROKER_HOST", DEFAULT_HOST);
    int port = port("--port", pick(from, flags.port, env, "REMOTELLM_BROKER_PORT", DEFAULT_PORT));
    int healthPort =
        port(
            "--health-port",
            pick(from, flags.healthPort, env, "REMOTELLM_BROKER_HEALTH_PORT", DEFAULT_HEALTH_PORT));
    if (port == healthPort) {
      throw new UsageException("--port and --health-port must differ");
    }
    // Payara's boot commands name the host: a space or line break would split the command.
    if (host.isEmpty() || !host.matches("[^\\s\\p{Cntrl}]+")) {
      throw new UsageException("--host must be a host name or address, without spaces");
    }
    String level =
        pick(from, flags.logLevel, env, "REMOTELLM_BROKER_LOG_LEVEL", DEFAULT_LOG_LEVEL)
            .toUpperCase(Locale.ROOT);
    if (!LEVELS.contains(level)) {
      throw new UsageException("--log-level must be DEBUG, INFO, WARNING or ERROR");
    }
    boolean anonymous =
        List.of("true", "1", "yes")
            .contains(
                pick(
                        from,
                        flags.allowAnonymous ? "true" : null,
                        env,
                        "REMOTELLM_BROKER_ALLOW_ANONYMOUS",
                        BrokerProperties.ALLOW_ANONYMOUS_DEFAULT)
                    .toLowerCase(Locale.ROOT));
    List<String> tokens =
        list(
            from,
            flags.connectorTokens,
            env,
            "REMOTELLM_BROKER_CONNECTOR_TOKENS",
            "a connector token");
    List<String> keys =
        list(from, flags.userApiKeys, env, "REMOTELLM_BROKER_USER_API_KEYS", "a user API key");
    List<String> adminKeys =
        list(from, flags.adminKeys, env, "REMOTELLM_BROKER_ADMIN_KEYS", "an admin key");
    for (String value : concat(concat(tokens, keys), adminKeys)) {
      if (value.contains("\n") || value.contains("\r")) {
        throw new UsageException("tokens and keys must not contain line breaks");
      }
    }
    Tls tls = tls(from, flags, env, port, healthPort, files);
    String config = pick(from, flags.connectorConfig, env, "REMOTELLM_BROKER_CONNECTOR_CONFIG", "");
    if (!config.isEmpty()) {
      config = file(config, "connector config", files).toString();
      from.given.put("REMOTELLM_BROKER_CONNECTOR_CONFIG", config);
    }
    String users = pick(from, flags.userConfig, env, "REMOTELLM_BROKER_USER_CONFIG", "");
    if (!users.isEmpty()) {
      users = file(users, "users file", files).toString();
      from.given.put("REMOTELLM_BROKER_USER_CONFIG", users);
    }
    String metricsToken = pick(from, flags.metricsToken, env, "REMOTELLM_BROKER_METRICS_TOKEN", "");
    if (metricsToken.contains("\n") || metricsToken.contains("\r")) {
      throw new UsageException("tokens and keys must not contain line breaks");
    }
    return new BrokerSettings(
        host,
        port,
        healthPort,
        level,
        tokens,
        keys,
        adminKeys,
        config,
        users,
        metricsToken,
        anonymous,
        tls,
        DatabaseSettings.resolve(flags, env, from, files),
        ClusterSettings.resolve(flags, env, from, host, port, files),
        from);
  }

  private static Tls tls(
      Sources from,
      BrokerLauncher flags,
      Map<String, String> env,
      int port,
      int healthPort,
      boolean files)
      throws UsageException {
    String httpsPort = pick(from, flags.httpsPort, env, "REMOTELLM_BROKER_HTTPS_PORT", "");
    String keystore = pick(from, flags.tlsKeystore, env, "REMOTELLM_BROKER_TLS_KEYSTORE", "");
    if (httpsPort.isEmpty() && keystore.isEmpty()) {
      return null;
    }
    if (httpsPort.isEmpty()) {
      throw new UsageException("--tls-keystore needs --https-port");
    }
    if (keystore.isEmpty()) {
      throw new UsageException("--https-port needs --tls-keystore");
    }
    int https = port("--https-port", httpsPort);
    if (https == port || https == healthPort) {
      throw new UsageException("--https-port must differ from --port and --health-port");
    }
    Path store = file(keystore, "TLS keystore", files);
    from.given.put("REMOTELLM_BROKER_TLS_KEYSTORE", store.toString());
    String passwordFile =
        pick(from, flags.tlsPasswordFile, env, "REMOTELLM_BROKER_TLS_KEYSTORE_PASSWORD_FILE", "");
    String alias = pick(from, flags.tlsKeyAlias, env, "REMOTELLM_BROKER_TLS_KEY_ALIAS", "");
    String type = store.toString().toLowerCase(Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12";
    String password;
    if (!passwordFile.isEmpty()) {
      Path file = file(passwordFile, "TLS keystore password file", files);
      from.given.put("REMOTELLM_BROKER_TLS_KEYSTORE_PASSWORD_FILE", file.toString());
      if (!files) {
        return new Tls(https, store, type, null, alias);
      }
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UsageException(
            "TLS keystore password file '" + passwordFile + "' is not readable");
      }
      if (text.isEmpty()) {
        throw new UsageException("TLS keystore password file '" + passwordFile + "' is empty");
      }
      int eol = text.indexOf('\n');
      password = eol < 0 ? text : text.substring(0, eol);
    } else {
      password = pick(from, null, env, "REMOTELLM_BROKER_TLS_KEYSTORE_PASSWORD", "");
      if (password.isEmpty()) {
        throw new UsageException(
            "--tls-keystore needs --tls-keystore-password-file"
                + " (or REMOTELLM_BROKER_TLS_KEYSTORE_PASSWORD)");
      }
    }
    if (password.contains("\n")) {
      throw new UsageException("the TLS keystore password must not contain line breaks");
    }
    if (alias.isEmpty() && files) {
      alias = onlyPrivateKey(store, type, password);
    }
    return new Tls(https, store, type, password, alias);
  }

  /** The alias of the keystore's only private key (the script asked keytool for it). */
  private static String onlyPrivateKey(Path store, String type, String password)
      throws UsageException {
    List<String> aliases = new ArrayList<>();
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore keyStore = KeyStore.getInstance(type);
      keyStore.load(in, password.toCharArray());
      for (String alias : Collections.list(keyStore.aliases())) {
        if (keyStore.entryInstanceOf(alias, KeyStore.PrivateKeyEntry.class)) {
          aliases.add(alias);
        }
      }
    } catch (IOException | GeneralSecurityException e) {
      // A wrong password or another format: the same answer as finding no key.
      aliases.clear();
    }
    if (aliases.isEmpty()) {
      throw new UsageException(
          "TLS keystore '"
              + store
              + "': no private key found (wrong password, or not a "
              + type
              + " keystore?)");
    }
    if (aliases.size() > 1) {
      throw new UsageException(
          "TLS keystore '"
              + store
              + "' holds "
              + aliases.size()
              + " private keys; choose one with --tls-key-alias");
    }
    return aliases.get(0);
  }

  /** The flag's value, else the variable's, else the fallback; notes which one it was. */
  private static String pick(
      Sources from, String flag, Map<String, String> env, String name, String fallback) {
    String value = flag != null ? flag : env.get(name);
    if (value == null || value.isEmpty()) {
      if (!fallback.isEmpty()) {
        from.defaults.put(name, fallback);
      }
      return fallback;
    }
    from.given.put(name, value);
    return value;
  }

  /** A repeated flag, else the comma-separated variable; an item may hold no comma. */
  private static List<String> list(
      Sources from, List<String> flags, Map<String, String> env, String name, String item)
      throws UsageException {
    List<String> items;
    if (flags != null && !flags.isEmpty()) {
      items = List.copyOf(flags);
    } else {
      String value = env.getOrDefault(name, "");
      items = value.isEmpty() ? List.of() : List.of(value.split(",", -1));
    }
    for (String value : items) {
      if (value.contains(",")) {
        throw new UsageException(
            item + " may not contain a comma (the variable separates items with commas)");
      }
    }
    if (!items.isEmpty()) {
      from.given.put(name, String.join(",", items));
    }
    return items;
  }

  private static int port(String flag, String value) throws UsageException {
    if (!value.matches("[0-9]{1,5}") || Integer.parseInt(value) > 65535) {
      throw new UsageException(flag + " must be a port number (0-65535)");
    }
    return Integer.parseInt(value);
  }

  /** A readable file's real path; without {@code files} only the absolute path, unchecked. */
  private static Path file(String name, String what, boolean files) throws UsageException {
    if (!files) {
      try {
        return Path.of(name).toAbsolutePath().normalize();
      } catch (java.nio.file.InvalidPathException e) {
        throw new UsageException(what + " '" + name + "' is not a valid path");
      }
    }
    Path path = Path.of(name);
    if (!Files.isReadable(path) || Files.isDirectory(path)) {
      throw new UsageException(what + " '" + name + "' is not a readable file");
    }
    try {
      return path.toRealPath();
    } catch (IOException e) {
      throw new UsageException(what + " '" + name + "' is not a readable file");
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
