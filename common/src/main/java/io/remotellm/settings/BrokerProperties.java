package io.remotellm.settings;

/**
 * The broker's MicroProfile Config properties that its launcher sets and the WAR reads, each name
 * and default written once. They are compile-time constants so the WAR's {@code @ConfigProperty}
 * annotations can use them. A property only the WAR reads keeps its name and default in the WAR's
 * {@code BrokerSettings}; one the launcher sets too belongs here.
 */
public final class BrokerProperties {
  private BrokerProperties() {}

  public static final String CONNECTOR_TOKENS = "remotellm.broker.connector-tokens";
  public static final String USER_API_KEYS = "remotellm.broker.user-api-keys";
  public static final String CONNECTOR_CONFIG = "remotellm.broker.connector-config";
  public static final String USER_CONFIG = "remotellm.broker.user-config";
  public static final String METRICS_TOKEN = "remotellm.broker.metrics-token";
  public static final String ADMIN_KEYS = "remotellm.broker.admin-keys";
  public static final String DATA_DIR = "remotellm.broker.data-dir";
  public static final String DATABASE_URL = "remotellm.broker.database-url";
  public static final String DATABASE_USER = "remotellm.broker.database-user";
  public static final String DATABASE_PASSWORD_FILE = "remotellm.broker.database-password-file";

  /** Set only when brokers form a cluster (issue 15); without it a broker runs alone. */
  public static final String CLUSTER_NAME = "remotellm.broker.cluster-name";

  /** How other brokers of the cluster reach this one (a base URL, e.g. http://10.0.0.5:8080). */
  public static final String PUBLIC_URL = "remotellm.broker.public-url";

  /** The file holding the secret brokers of one cluster sign forwarded requests with. */
  public static final String CLUSTER_SECRET_FILE = "remotellm.broker.cluster-secret-file";

  public static final String LOG_LEVEL = "remotellm.broker.log-level";
  public static final String LOG_LEVEL_DEFAULT = "INFO";

  public static final String ALLOW_ANONYMOUS = "remotellm.broker.allow-anonymous";
  public static final String ALLOW_ANONYMOUS_DEFAULT = "false";
}
