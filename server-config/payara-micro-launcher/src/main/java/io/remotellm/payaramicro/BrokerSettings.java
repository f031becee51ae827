package io.remotellm.payaramicro;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The broker's launch settings after flags, the seed's {@code REMOTELLM_BROKER_*} variables and the
 * defaults are combined and checked: the one place each flag's variable, default and check is
 * written. A flag wins over its variable; a repeated flag replaces its comma-separated variable.
 */
record BrokerSettings(
    String host,
    int port,
    int healthPort,
    String logLevel,
    List<String> connectorTokens,
    List<String> userApiKeys,
    String connectorConfig,
    String userConfig,
    String metricsToken,
    boolean allowAnonymous,
    Tls tls,
    DatabaseSettings database) {

  static final String DEFAULT_HOST = "0.0.0.0";
  static final String DEFAULT_PORT = "8443";
  static final String DEFAULT_HEALTH_PORT = "8080";
  static final String DEFAULT_LOG_LEVEL = "INFO";
  static final List<String> LEVELS = List.of("DEBUG", "INFO", "WARNING", "ERROR");

  /** HTTPS on {@code httpsPort} with the key {@code alias} of this keystore; null without TLS. */
  record Tls(int httpsPort, Path keystore, String storeType, String password, String alias) {
    @Override
    public String toString() {
      // Never the password: a record's default toString would print it.
      return "Tls[" + httpsPort + ", " + keystore + ", " + storeType + ", " + alias + "]";
    }
  }

  /** Combines {@code flags} (null or empty where not given) with {@code env}, and checks them. */
  static BrokerSettings resolve(BrokerLauncher flags, Map<String, String> env)
      throws UsageException {
    String host = pick(flags.host, env, "REMOTELLM_BROKER_HOST", DEFAULT_HOST);
    int port = port("--port", pick(flags.port, env, "REMOTELLM_BROKER_PORT", DEFAULT_PORT));
    int healthPort =
        port(
            "--health-port",
            pick(flags.healthPort, env, "REMOTELLM_BROKER_HEALTH_PORT", DEFAULT_HEALTH_PORT));
    if (port == healthPort) {
      throw new UsageException("--port and --health-port must differ");
    }
    // Payara's boot commands name the host: a space or line break would split the command.
    if (host.isEmpty() || !host.matches("[^\\s\\p{Cntrl}]+")) {
      throw new UsageException("--host must be a host name or address, without spaces");
    }
    String level =
        pick(flags.logLevel, env, "REMOTELLM_BROKER_LOG_LEVEL", DEFAULT_LOG_LEVEL)
            .toUpperCase(Locale.ROOT);
    if (!LEVELS.contains(level)) {
      throw new UsageException("--log-level must be DEBUG, INFO, WARNING or ERROR");
    }
    boolean anonymous =
        flags.allowAnonymous
            || List.of("true", "1", "yes")
                .contains(
                    env.getOrDefault("REMOTELLM_BROKER_ALLOW_ANONYMOUS", "")
                        .toLowerCase(Locale.ROOT));
    List<String> tokens = list(flags.connectorTokens, env, "REMOTELLM_BROKER_CONNECTOR_TOKENS");
    List<String> keys = list(flags.userApiKeys, env, "REMOTELLM_BROKER_USER_API_KEYS");
    for (String value : concat(tokens, keys)) {
      if (value.contains("\n") || value.contains("\r")) {
        throw new UsageException("tokens and keys must not contain newlines");
      }
    }
    Tls tls = tls(flags, env, port, healthPort);
    String config = pick(flags.connectorConfig, env, "REMOTELLM_BROKER_CONNECTOR_CONFIG", "");
    if (!config.isEmpty()) {
      config = readableFile(config, "connector config").toString();
    }
    String users = pick(flags.userConfig, env, "REMOTELLM_BROKER_USER_CONFIG", "");
    if (!users.isEmpty()) {
      users = readableFile(users, "users file").toString();
    }
    String metricsToken = pick(flags.metricsToken, env, "REMOTELLM_BROKER_METRICS_TOKEN", "");
    if (metricsToken.contains("\n") || metricsToken.contains("\r")) {
      throw new UsageException("tokens and keys must not contain newlines");
    }
    return new BrokerSettings(
        host,
        port,
        healthPort,
        level,
        tokens,
        keys,
        config,
        users,
        metricsToken,
        anonymous,
        tls,
        DatabaseSettings.resolve(flags, env));
  }

  private static Tls tls(BrokerLauncher flags, Map<String, String> env, int port, int healthPort)
      throws UsageException {
    String httpsPort = pick(flags.httpsPort, env, "REMOTELLM_BROKER_HTTPS_PORT", "");
    String keystore = pick(flags.tlsKeystore, env, "REMOTELLM_BROKER_TLS_KEYSTORE", "");
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
    Path store = readableFile(keystore, "TLS keystore");
    String passwordFile =
        pick(flags.tlsPasswordFile, env, "REMOTELLM_BROKER_TLS_KEYSTORE_PASSWORD_FILE", "");
    String password;
    if (!passwordFile.isEmpty()) {
      Path file = readableFile(passwordFile, "TLS keystore password file");
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
      password = env.getOrDefault("REMOTELLM_BROKER_TLS_KEYSTORE_PASSWORD", "");
      if (password.isEmpty()) {
        throw new UsageException(
            "--tls-keystore needs --tls-keystore-password-file"
                + " (or REMOTELLM_BROKER_TLS_KEYSTORE_PASSWORD)");
      }
    }
    if (password.contains("\n")) {
      throw new UsageException("the TLS keystore password must not contain newlines");
    }
    String type = store.toString().toLowerCase(Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12";
    String alias = pick(flags.tlsKeyAlias, env, "REMOTELLM_BROKER_TLS_KEY_ALIAS", "");
    if (alias.isEmpty()) {
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

  private static String pick(String flag, Map<String, String> env, String name, String fallback)
      throws UsageException {
    if (flag != null) {
      return flag;
    }
    String value = env.get(name);
    return value == null || value.isEmpty() ? fallback : value;
  }

  private static List<String> list(List<String> flags, Map<String, String> env, String name) {
    if (flags != null && !flags.isEmpty()) {
      return List.copyOf(flags);
    }
    String value = env.getOrDefault(name, "");
    return value.isEmpty() ? List.of() : List.of(value.split(",", -1));
  }

  private static int port(String flag, String value) throws UsageException {
    if (!value.matches("[0-9]{1,5}") || Integer.parseInt(value) > 65535) {
      throw new UsageException(flag + " must be a number");
    }
    return Integer.parseInt(value);
  }

  private static Path readableFile(String name, String what) throws UsageException {
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
