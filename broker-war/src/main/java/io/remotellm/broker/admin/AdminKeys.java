package io.remotellm.broker.admin;

import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.auth.SecretSet;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.protocol.Fingerprint;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * The admin keys ({@code --admin-key}), compared in constant time. The key comes in a header only,
 * never a cookie, so no page on another site can make a browser send it.
 */
@ApplicationScoped
public class AdminKeys {

  /** The header a script may use instead of {@code Authorization: Bearer}. */
  public static final String HEADER = "x-admin-key";

  @Inject BrokerSettings settings;

  private SecretSet<String> keys;

  @PostConstruct
  void load() {
    SecretSet.Builder<String> builder = SecretSet.builder();
    settings.adminKeys().forEach(k -> builder.add(k, Fingerprint.of(k)));
    keys = builder.build();
  }

  /** Without an admin key there is no admin page and no admin API. */
  public boolean configured() {
    return !keys.isEmpty();
  }

  /**
   * The fingerprint of the admin key the request carries (in {@code x-admin-key} or {@code
   * Authorization: Bearer}), or empty when it carries none that is valid.
   */
  public Optional<String> admin(String adminKeyHeader, String authorizationHeader) {
    String candidate =
        adminKeyHeader != null && !adminKeyHeader.isBlank()
            ? adminKeyHeader.strip()
            : Credentials.bearer(authorizationHeader).orElse(null);
    return keys.find(candidate);
  }
}
