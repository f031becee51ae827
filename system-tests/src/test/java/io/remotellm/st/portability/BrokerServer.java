package io.remotellm.st.portability;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** The broker WAR deployed on one application server, running as its own process. */
interface BrokerServer extends AutoCloseable {

  /** For messages: which server this is. */
  String name();

  /** The port of the API ({@code /v1}) and the relay socket ({@code /ws}). */
  int apiPort();

  /** MicroProfile Health's {@code /health}, wherever this server puts it. */
  URI health();

  /** The server's console output: what journald or a log shipper would get. */
  Path log();

  boolean isAlive();

  /**
   * Sets broker settings (MicroProfile Config names to values) with this server's own management
   * tool, as its README in server-config tells an operator; returns when the tool is done.
   *
   * @return true when that change alone restarts the application (Liberty), false when {@link
   *     #reloadApplication} must follow
   * @throws org.opentest4j.TestAbortedException where the server has no management tool
   */
  boolean changeSettings(Map<String, String> settings);

  /**
   * Restarts the broker application with the management tool's reload command, which makes the WAR
   * read its settings again; returns when the tool is done, while the WAR may still be starting.
   */
  void reloadApplication();

  /** Stops the server; whatever does not stop in time is killed. */
  @Override
  void close();

  /**
   * What a deployment is given: the WAR and the broker settings an operator would set. The keys
   * reach every server as env variables; the data directory holds the embedded usage ledger.
   */
  record Deployment(
      Path war, Path connectorConfig, String userApiKey, String adminKey, Path dataDir) {

    /** The env variables every server's process gets: the secrets and the data directory. */
    Map<String, String> env() {
      return Map.of(
          "REMOTELLM_BROKER_USER_API_KEYS", userApiKey,
          "REMOTELLM_BROKER_ADMIN_KEYS", adminKey,
          "REMOTELLM_BROKER_DATA_DIR", dataDir.toString());
    }
  }
}
