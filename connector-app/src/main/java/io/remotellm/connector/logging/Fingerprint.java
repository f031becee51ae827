package io.remotellm.connector.logging;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** What logs show instead of a secret: the first 8 hex digits of its SHA-256. */
public final class Fingerprint {
  private Fingerprint() {}

  public static String of(String secret) {
    if (secret == null || secret.isEmpty()) {
      return "none";
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JRE has SHA-256", e);
    }
  }
}
