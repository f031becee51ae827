package io.remotellm.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What logs show instead of a secret, on both sides of the relay: the first 8 hex digits of its
 * SHA-256, so an operator can match a broker's log line to the connector that used the token.
 */
public final class Fingerprint {
  private Fingerprint() {}

  /** The short fingerprint of {@code secret}; {@code none} when there is no secret. */
  public static String of(String secret) {
    if (secret == null || secret.isEmpty()) {
      return "none";
    }
    return HexFormat.of().formatHex(sha256(secret), 0, 4);
  }

  /**
   * A token's identity across reloads of the broker's connector config: its whole SHA-256, in hex.
   * Kept in memory only, never logged; logs use {@link #of}.
   */
  public static String id(String secret) {
    return HexFormat.of().formatHex(sha256(secret));
  }

  public static byte[] sha256(String secret) {
    return sha256(secret.getBytes(StandardCharsets.UTF_8));
  }

  /** The SHA-256 of {@code bytes}, e.g. to tell whether a file changed. */
  public static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
