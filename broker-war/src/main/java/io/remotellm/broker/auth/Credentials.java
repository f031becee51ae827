package io.remotellm.broker.auth;

import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.config.ConnectorEntry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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

  @PostConstruct
  void load() {
    SecretSet.Builder<Boolean> users = SecretSet.builder();
    settings.userApiKeys().forEach(k -> users.add(k, Boolean.TRUE));
    userKeys = users.build();

    SecretSet.Builder<ConnectorCredential> connectors = SecretSet.builder();
    for (ConnectorEntry entry : settings.connectors()) {
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
