package io.remotellm.broker.auth;

import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.config.ConnectorEntry;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Real {@link Credentials} over connector entries a test can change, as an operator edits the
 * connector config file, for tests outside this package.
 */
public final class TestCredentials {

  /** The connector config as it is "on disk": change it, then {@link #reload()}. */
  public final List<ConnectorEntry> entries = new CopyOnWriteArrayList<>();

  public final Credentials credentials = new Credentials();

  public TestCredentials() {
    credentials.settings =
        new BrokerSettings() {
          @Override
          public List<String> userApiKeys() {
            return List.of();
          }

          @Override
          public List<ConnectorEntry> connectors() {
            return List.copyOf(entries);
          }
        };
    credentials.load();
  }

  /** Puts {@code token} in the config with {@code llmKey} (replacing its entry) and reloads. */
  public ConnectorCredential grant(String token, Optional<String> llmKey) {
    entries.removeIf(e -> e.token().equals(token));
    entries.add(new ConnectorEntry(token, llmKey));
    reload();
    return credentials.connector("Bearer " + token).orElseThrow();
  }

  /** Takes {@code token} out of the config and reloads. */
  public ConnectorChanges revoke(String token) {
    entries.removeIf(e -> e.token().equals(token));
    return reload();
  }

  public ConnectorChanges reload() {
    return credentials.reloadConnectors();
  }

  /** Points {@code credentials} at other settings, e.g. ones that read a real file. */
  public static void use(Credentials credentials, BrokerSettings settings) {
    credentials.settings = settings;
  }
}
