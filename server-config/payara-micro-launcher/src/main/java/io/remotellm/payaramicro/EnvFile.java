package io.remotellm.payaramicro;

/**
 * The broker's settings as an env file ({@code --print-env}): the seed's variables, read alike by
 * systemd's {@code EnvironmentFile=} and by bash. Every value is single-quoted; a single quote
 * inside a value becomes {@code '"'"'}, the one form both read the same way.
 */
final class EnvFile {
  private EnvFile() {}

  static String of(BrokerSettings s) {
    StringBuilder text = new StringBuilder();
    line(text, "REMOTELLM_BROKER_HOST", s.host());
    line(text, "REMOTELLM_BROKER_PORT", Integer.toString(s.port()));
    line(text, "REMOTELLM_BROKER_HEALTH_PORT", Integer.toString(s.healthPort()));
    if (!s.connectorTokens().isEmpty()) {
      line(text, "REMOTELLM_BROKER_CONNECTOR_TOKENS", String.join(",", s.connectorTokens()));
    }
    if (!s.userApiKeys().isEmpty()) {
      line(text, "REMOTELLM_BROKER_USER_API_KEYS", String.join(",", s.userApiKeys()));
    }
    if (!s.connectorConfig().isEmpty()) {
      line(text, "REMOTELLM_BROKER_CONNECTOR_CONFIG", s.connectorConfig());
    }
    if (!s.userConfig().isEmpty()) {
      line(text, "REMOTELLM_BROKER_USER_CONFIG", s.userConfig());
    }
    if (!s.metricsToken().isEmpty()) {
      line(text, "REMOTELLM_BROKER_METRICS_TOKEN", s.metricsToken());
    }
    line(text, "REMOTELLM_BROKER_LOG_LEVEL", s.logLevel());
    if (s.allowAnonymous()) {
      line(text, "REMOTELLM_BROKER_ALLOW_ANONYMOUS", "true");
    }
    DatabaseSettings db = s.database();
    if (!db.dataDir().isEmpty()) {
      line(text, "REMOTELLM_BROKER_DATA_DIR", db.dataDir());
    }
    if (!db.url().isEmpty()) {
      line(text, "REMOTELLM_BROKER_DATABASE_URL", db.url());
    }
    if (!db.user().isEmpty()) {
      line(text, "REMOTELLM_BROKER_DATABASE_USER", db.user());
    }
    if (!db.passwordFile().isEmpty()) {
      line(text, "REMOTELLM_BROKER_DATABASE_PASSWORD_FILE", db.passwordFile());
    }
    if (s.tls() != null) {
      line(text, "REMOTELLM_BROKER_HTTPS_PORT", Integer.toString(s.tls().httpsPort()));
      line(text, "REMOTELLM_BROKER_TLS_KEYSTORE", s.tls().keystore().toString());
      line(text, "REMOTELLM_BROKER_TLS_KEY_ALIAS", s.tls().alias());
    }
    return text.toString();
  }

  static String quote(String value) {
    return "'" + value.replace("'", "'\"'\"'") + "'";
  }

  private static void line(StringBuilder text, String name, String value) {
    text.append(name).append('=').append(quote(value)).append('\n');
  }
}
