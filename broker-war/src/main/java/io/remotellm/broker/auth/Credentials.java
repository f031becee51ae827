package io.remotellm.broker.auth;

import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.config.ConfigurationException;
import io.remotellm.broker.config.ConnectorEntry;
import io.remotellm.broker.config.LedgerSettings;
import io.remotellm.protocol.Fingerprint;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The tokens connectors present, read again on {@link #reloadConnectors()} so a token can be
 * revoked or its LLM key rotated while the broker runs. (User keys are {@code
 * users.UserDirectory}'s.)
 */
@ApplicationScoped
public class Credentials {

  private static final Logger LOG = Logger.getLogger(Credentials.class.getName());
  private static final String BEARER = "bearer ";

  @Inject BrokerSettings settings;
  @Inject LedgerSettings ledger;

  /** The tokens in force, swapped whole on a reload. */
  private record Connectors(
      SecretSet<ConnectorCredential> byToken, Map<String, ConnectorCredential> byId) {}

  private volatile Connectors connectors;

  /**
   * Token ids an admin revoked (kept in the ledger's database by {@code admin.AdminState}, which
   * restores them at start); refused even if a file still lists them.
   */
  private final Set<String> revoked = ConcurrentHashMap.newKeySet();

  /** Whether the database's revocations have been read since the broker started. */
  private volatile boolean revocationsLoaded;

  /**
   * Loads at deployment, not at the first request: a broken connector config fails the deployment
   * with a message naming the file and line, instead of failing requests later.
   */
  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    LOG.fine("credentials checked at startup");
  }

  @PostConstruct
  void load() {
    try {
      connectors = read(settings.connectors());
    } catch (ConfigurationException e) {
      // Said plainly here: the container buries it deep in a deployment stack trace.
      LOG.severe("Broker not started: " + e.getMessage());
      throw e;
    }
    LOG.info(
        () ->
            "Credentials loaded: "
                + connectors.byId().size()
                + " connector token(s), anonymous access "
                + (settings.allowAnonymous() ? "ON" : "off"));
  }

  /**
   * Reads the connector tokens again (the list setting and the connector config file) and puts them
   * in force. When the file cannot be read or parsed this throws {@link ConfigurationException} and
   * the tokens in force stay as they were.
   */
  public synchronized ConnectorChanges reloadConnectors() {
    Connectors next = read(settings.connectors());
    ConnectorChanges changes = ConnectorChanges.between(connectors.byId(), next.byId());
    connectors = next;
    return changes;
  }

  private static Connectors read(List<ConnectorEntry> entries) {
    SecretSet.Builder<ConnectorCredential> byToken = SecretSet.builder();
    Map<String, ConnectorCredential> byId = new LinkedHashMap<>();
    for (ConnectorEntry entry : entries) {
      ConnectorCredential credential =
          new ConnectorCredential(
              Fingerprint.of(entry.token()), entry.llmApiKey(), Fingerprint.id(entry.token()));
      // A token listed twice keeps its first entry, as SecretSet does.
      if (byId.putIfAbsent(credential.tokenId(), credential) == null) {
        byToken.add(entry.token(), credential);
      }
    }
    return new Connectors(byToken.build(), Map.copyOf(byId));
  }

  /**
   * What {@code granted} stands for now: the same token's entry in the tokens in force (its LLM key
   * may have changed), or empty once the token has been removed.
   */
  public Optional<ConnectorCredential> current(ConnectorCredential granted) {
    if (revoked.contains(granted.tokenId())) {
      return Optional.empty();
    }
    return Optional.ofNullable(connectors.byId().get(granted.tokenId()));
  }

  /** The tokens in force with this fingerprint that are not revoked yet. */
  public List<ConnectorCredential> unrevoked(String fingerprint) {
    return connectors.byId().values().stream()
        .filter(c -> c.fingerprint().equals(fingerprint) && !revoked.contains(c.tokenId()))
        .toList();
  }

  /** Refuses these token ids from now on (the revocations read from the database at start). */
  public void restoreRevoked(Collection<String> tokenIds) {
    revoked.addAll(tokenIds);
    revocationsLoaded = true;
  }

  /**
   * Whether every revocation is known: the database's have been read, or there is no database
   * (ledger off: revocations live in memory only). Until then no connector may attach, since a
   * token revoked before the restart would be let in: fail closed. The ledger reads them before the
   * deployment ends, so this holds connectors back only while the database is unreachable at start.
   */
  public boolean revocationsKnown() {
    return revocationsLoaded || ledger == null || !ledger.enabled();
  }

  /**
   * Refuses the token with this fingerprint from now on; returns the fingerprints revoked, empty
   * when no token in force has it. Links using it are closed by the registry's {@code
   * recheckCredentials}.
   */
  public List<String> revoke(String fingerprint) {
    List<String> done = new ArrayList<>();
    for (ConnectorCredential c : connectors.byId().values()) {
      if (c.fingerprint().equals(fingerprint) && revoked.add(c.tokenId())) {
        done.add(c.fingerprint());
      }
    }
    return done;
  }

  /** The connector tokens in force, by fingerprint, and whether an admin revoked each. */
  public Map<String, Boolean> tokens() {
    Map<String, Boolean> all = new LinkedHashMap<>();
    connectors
        .byId()
        .values()
        .forEach(c -> all.put(c.fingerprint(), revoked.contains(c.tokenId())));
    return all;
  }

  public boolean anonymousAllowed() {
    return settings.allowAnonymous();
  }

  public Optional<ConnectorCredential> connector(String authorizationHeader) {
    SecretSet<ConnectorCredential> tokens = connectors.byToken();
    return bearer(authorizationHeader)
        .flatMap(tokens::find)
        .filter(c -> !revoked.contains(c.tokenId()));
  }

  /** The token of an {@code Authorization: Bearer <token>} header (scheme case-insensitive). */
  public static Optional<String> bearer(String header) {
    if (header == null
        || header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Optional.empty();
    }
    String token = header.substring(BEARER.length()).strip();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }
}
