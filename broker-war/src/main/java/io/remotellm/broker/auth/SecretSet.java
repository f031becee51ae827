package io.remotellm.broker.auth;

import io.remotellm.protocol.Fingerprint;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A set of secrets, each paired with a value, looked up in constant time: the candidate is hashed
 * and compared with every digest (no early exit), so neither a secret's length nor its common
 * prefix with a guess shows in the timing.
 */
public final class SecretSet<V> {

  private record Entry<V>(byte[] digest, V value) {}

  private final List<Entry<V>> entries;

  private SecretSet(List<Entry<V>> entries) {
    this.entries = List.copyOf(entries);
  }

  public static <V> Builder<V> builder() {
    return new Builder<>();
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  public int size() {
    return entries.size();
  }

  public Optional<V> find(String candidate) {
    if (candidate == null || entries.isEmpty()) {
      return Optional.empty();
    }
    byte[] digest = Fingerprint.sha256(candidate);
    V found = null;
    for (Entry<V> e : entries) {
      if (MessageDigest.isEqual(e.digest(), digest) && found == null) {
        found = e.value();
      }
    }
    return Optional.ofNullable(found);
  }

  public boolean contains(String candidate) {
    return find(candidate).isPresent();
  }

  /** Collects secrets; a secret added twice keeps its first value. */
  public static final class Builder<V> {
    private final List<Entry<V>> entries = new ArrayList<>();

    public Builder<V> add(String secret, V value) {
      return addDigest(Fingerprint.sha256(secret), value);
    }

    /** A secret known only by its SHA-256 (a file that holds no secret, only its digest). */
    public Builder<V> addDigest(byte[] digest, V value) {
      if (digest.length != 32) {
        throw new IllegalArgumentException("a SHA-256 digest has 32 bytes");
      }
      digest = digest.clone();
      for (Entry<V> e : entries) {
        if (MessageDigest.isEqual(e.digest(), digest)) {
          return this;
        }
      }
      entries.add(new Entry<>(digest, value));
      return this;
    }

    public SecretSet<V> build() {
      return new SecretSet<>(entries);
    }
  }
}
