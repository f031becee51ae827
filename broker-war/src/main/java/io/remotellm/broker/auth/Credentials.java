package io.remotellm.broker.auth;

import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.config.ConfigurationException;
import io.remotellm.broker.config.ConnectorEntry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/** The keys users present and the tokens connectors present, read once from the settings. */
@ApplicationScoped
public class Credentials {

  private static final Logger LOG = Logger.getLogger(Credentials.class.getName());
  private static final String BEARER = "bearer ";

  @Inject BrokerSettings settings;

  private SecretSet<Boolean> userKeys;
  private SecretSet<ConnectorCredential> connectorTokens;

  /**
   * Loads at deployment, not at the first request: a broken connector config fails the
   * deployment with a message naming the file and line, instead of failing requests later.
   */
  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    LOG.fine("credentials checked at startup");
  }

  @PostConstruct
  void load() {
    SecretSet.Builder<Boolean> users = SecretSet.builder();
    settings.userApiKeys().forEach(k -> users.add(k, Boolean.TRUE));
    userKeys = users.build();

    List<ConnectorEntry> entries;
    try {
      entries = settings.connectors();
    } catch (ConfigurationException e) {
      // Said plainly here: the container buries it deep in a deployment stack trace.
      LOG.severe("Broker not started: " + e.getMessage());
      throw e;
    }
    SecretSet.Builder<ConnectorCredential> connectors = SecretSet.builder();
    for (ConnectorEntry entry : entries) {
      connectors.add(
          entry.token(), new ConnectorCredential(Fingerprint.of(entry.token()), entry.llmApiKey()));
    }
    connectorTokens = connectors.build();
    LOG.info(
        () ->
            "Credentials loaded: " + userKeys.size() + " user API key(s), "
                + connectorTokens.size() + " connector token(s), anonymous access "
                + (settings.allowAnonymous() ? "ON" : "off"));
  }

  public boolean userKeysConfigured() {
    return !userKeys.isEmpty();
  }

  public boolean anonymousAllowed() {
    return settings.allowAnonymous();
  }

  /** True when the API serves anyone at all: keys exist, or anonymous access is on. */
  public boolean apiOpen() {
    return userKeysConfigured() || anonymousAllowed();
  }

  public boolean isValidUser(String authorizationHeader) {
    return bearer(authorizationHeader).map(userKeys::contains).orElse(false);
  }

  public Optional<ConnectorCredential> connector(String authorizationHeader) {
    return bearer(authorizationHeader).flatMap(connectorTokens::find);
  }

  /** The token of an {@code Authorization: Bearer <token>} header (scheme case-insensitive). */
  public static Optional<String> bearer(String header) {
    if (header == null || header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Optional.empty();
    }
    String token = header.substring(BEARER.length()).strip();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }
}
