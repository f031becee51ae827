package io.remotellm.broker.users;

import io.remotellm.broker.auth.SecretSet;
import io.remotellm.broker.limits.Limits;
import io.remotellm.protocol.Fingerprint;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * User keys an admin created while the broker runs: each kept only as its SHA-256 (the key itself
 * is shown once, to the admin who created it), with the user's limits and allow-list, which an
 * admin may change, and revoked on demand (the key's next request is 401). This is the copy in
 * force; {@code admin.AdminState} writes each change to the ledger's database first and fills this
 * from it at start, so the keys outlive a restart.
 */
@ApplicationScoped
public class IssuedKeys {

  private static final String PREFIX = "sk-rl-";

  /** A user an admin created; {@code keyDigest} is the whole SHA-256 of the key. */
  public record Issued(User user, byte[] keyDigest, String keyFingerprint, Instant created) {
    @Override
    public String toString() {
      return "Issued[" + user.name() + ", " + keyFingerprint + "]";
    }
  }

  /** A new user: the key in clear, to be shown once. */
  public record Created(Issued issued, String key) {
    @Override
    public String toString() {
      return "Created[" + issued + "]";
    }
  }

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Issued> byName = new LinkedHashMap<>();
  private volatile SecretSet<User> byKey = SecretSet.<User>builder().build();

  public boolean isEmpty() {
    return byKey.isEmpty();
  }

  /** The user whose key this is, in constant time like the configured keys. */
  public Optional<User> find(String key) {
    return byKey.find(key);
  }

  /** Creates a user with a fresh random key; empty when the name is taken. */
  public synchronized Optional<Created> create(String name, Limits limits, ModelAllowList models) {
    if (byName.containsKey(name)) {
      return Optional.empty();
    }
    Created created = mint(name, limits, models);
    put(created.issued());
    return Optional.of(created);
  }

  /** A new user with a fresh random key, not yet in force (see {@link #put}). */
  public Created mint(String name, Limits limits, ModelAllowList models) {
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    Issued issued =
        new Issued(
            new User(name, limits, models),
            Fingerprint.sha256(key),
            Fingerprint.of(key),
            Instant.now());
    return new Created(issued, key);
  }

  /** Puts an issued user in force, in place of any of the same name. */
  public synchronized void put(Issued issued) {
    byName.put(issued.user().name(), issued);
    rebuild();
  }

  /** Replaces every issued user with these (as read from the database at start). */
  public synchronized void restore(List<Issued> all) {
    byName.clear();
    all.forEach(i -> byName.put(i.user().name(), i));
    rebuild();
  }

  /** New limits and allow-list for an issued user, in force from their next request. */
  public synchronized Optional<Issued> change(String name, Limits limits, ModelAllowList models) {
    Issued was = byName.get(name);
    if (was == null) {
      return Optional.empty();
    }
    Issued now =
        new Issued(
            new User(name, limits, models), was.keyDigest(), was.keyFingerprint(), was.created());
    byName.put(name, now);
    rebuild();
    return Optional.of(now);
  }

  /** Revokes an issued user's key; false when there is no such user. */
  public synchronized boolean revoke(String name) {
    if (byName.remove(name) == null) {
      return false;
    }
    rebuild();
    return true;
  }

  public synchronized List<Issued> list() {
    return new ArrayList<>(byName.values());
  }

  public synchronized Optional<Issued> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** Swapped whole, so a lookup sees the keys before a change or after it, never half of it. */
  private void rebuild() {
    SecretSet.Builder<User> next = SecretSet.builder();
    byName.values().forEach(i -> next.addDigest(i.keyDigest(), i.user()));
    byKey = next.build();
  }
}
