package io.remotellm.broker.users;

import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.auth.SecretSet;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.config.ConfigurationException;
import io.remotellm.broker.limits.Limits;
import io.remotellm.protocol.Fingerprint;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Who a user API key belongs to: the named users of the users file and the unnamed keys of {@code
 * --user-api-key} (named {@code key-<fingerprint>}, with the file's defaults). Swapped whole on
 * {@link #reload()}, so a request sees either the old users or the new, never a mix. Keys are
 * looked up in constant time and never kept in clear: the file may give only their SHA-256.
 */
@ApplicationScoped
public class UserDirectory {

  private static final Logger LOG = Logger.getLogger(UserDirectory.class.getName());

  @Inject BrokerSettings settings;
  @Inject IssuedKeys issued;

  /** A user whose key comes from the users file or the key list, for the admin page. */
  public record Listed(User user, String keyFingerprint, boolean fromFile) {}

  private record Users(SecretSet<User> byKey, int named, Limits defaults, List<Listed> listed) {}

  private volatile Users users;

  /** Loads at deployment: a broken users file fails the deployment, naming the file and line. */
  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    LOG.fine("users checked at startup");
  }

  @PostConstruct
  void load() {
    try {
      users = read();
    } catch (ConfigurationException e) {
      LOG.severe("Broker not started: " + e.getMessage());
      throw e;
    }
    LOG.info(
        () ->
            "Users loaded: "
                + users.named()
                + " named user(s), "
                + (users.byKey().size() - users.named())
                + " unnamed key(s)");
  }

  /**
   * Reads the users file (and the key list) again and puts it in force; throws {@link
   * ConfigurationException} and keeps the users in force when the file cannot be used.
   */
  public synchronized String reload() {
    Users next = read();
    users = next;
    return next.named() + " named user(s), " + (next.byKey().size() - next.named()) + " unnamed";
  }

  private Users read() {
    UserConfigParser.UserConfig config = settings.userConfig();
    SecretSet.Builder<User> byKey = SecretSet.builder();
    List<Listed> listed = new ArrayList<>();
    for (UserEntry entry : config.users()) {
      byKey.addDigest(entry.keyDigest(), entry.user());
      listed.add(new Listed(entry.user(), HexFormat.of().formatHex(entry.keyDigest(), 0, 4), true));
    }
    // A key both in the file and in the list keeps the file's name and limits (added first).
    for (String key : settings.userApiKeys()) {
      User unnamed =
          new User(
              User.UNNAMED_PREFIX + Fingerprint.of(key), config.defaults(), ModelAllowList.ANY);
      byKey.add(key, unnamed);
      listed.add(new Listed(unnamed, Fingerprint.of(key), false));
    }
    return new Users(byKey.build(), config.users().size(), config.defaults(), List.copyOf(listed));
  }

  /** True when any user key exists, in the file, the list or issued by an admin. */
  public boolean configured() {
    return !users.byKey().isEmpty() || !issued.isEmpty();
  }

  /** The user whose key the {@code Authorization: Bearer} header holds. */
  public Optional<User> find(String authorizationHeader) {
    SecretSet<User> byKey = users.byKey();
    Optional<String> key = Credentials.bearer(authorizationHeader);
    Optional<User> configuredUser = key.flatMap(byKey::find);
    return configuredUser.isPresent() ? configuredUser : key.flatMap(issued::find);
  }

  /** The users of the users file and the key list (read-only: changed by editing them). */
  public List<Listed> configuredUsers() {
    return users.listed();
  }

  /** The limits a user without their own gets: the users file's {@code defaults}. */
  public Limits defaults() {
    return users.defaults();
  }

  /** Whether the users file or the key list already has a user of this name. */
  public boolean hasConfigured(String name) {
    return users.listed().stream().anyMatch(l -> l.user().name().equals(name));
  }

  /** Anyone, under anonymous access: the file's defaults apply to all of them together. */
  public User anonymous() {
    return new User(User.ANONYMOUS, users.defaults(), ModelAllowList.ANY);
  }
}
