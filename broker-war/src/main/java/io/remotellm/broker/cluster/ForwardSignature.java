package io.remotellm.broker.cluster;

import io.remotellm.settings.BrokerProperties;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Signs a request one broker forwards to another, and checks the signature where it arrives: an
 * HMAC-SHA256, under the cluster secret, of the method, path, time, request id and the body's
 * SHA-256. Refused: no secret configured, a wrong signature, a time more than {@link
 * #WINDOW_MILLIS} away, or a signature already seen (a replay). The secret is read from its file
 * and never logged.
 */
@ApplicationScoped
public class ForwardSignature {
  static final String TIME = "x-remotellm-cluster-time";
  static final String REQUEST = "x-remotellm-cluster-request";
  static final String SIGNATURE = "x-remotellm-cluster-signature";
  static final long WINDOW_MILLIS = 30_000;
  private static final Logger LOG = Logger.getLogger(ForwardSignature.class.getName());

  @Inject
  @ConfigProperty(name = BrokerProperties.CLUSTER_SECRET_FILE)
  Optional<String> secretFile;

  private byte[] secret;
  private final Map<String, Long> seen = new ConcurrentHashMap<>();
  private volatile long prunedAt;

  @PostConstruct
  void load() {
    secret = secretFile.filter(s -> !s.isBlank()).map(ForwardSignature::read).orElse(null);
  }

  /** For tests: a signer with this secret. */
  static ForwardSignature of(String secret) {
    ForwardSignature s = new ForwardSignature();
    s.secret = secret.getBytes(StandardCharsets.UTF_8);
    return s;
  }

  private static byte[] read(String file) {
    try {
      String text = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        LOG.warning("cluster: the cluster secret file is empty; forwarding is refused");
        return null;
      }
      return text.getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      // The path is not secret; the content never reaches a log.
      LOG.warning("cluster: cannot read the cluster secret file " + file + "; forwarding refused");
      return null;
    }
  }

  boolean configured() {
    return secret != null;
  }

  /** The signature of a forwarded request sent at {@code timeMillis}. */
  String sign(String method, String path, long timeMillis, String requestId, byte[] body) {
    if (secret == null) {
      throw new IllegalStateException("no cluster secret");
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      String text =
          method
              + "\n"
              + path
              + "\n"
              + timeMillis
              + "\n"
              + requestId
              + "\n"
              + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
      return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  /** Why the request is refused, or null when it is a genuine, fresh forward. */
  String refusal(
      String method,
      String path,
      String time,
      String requestId,
      String signature,
      byte[] body,
      long nowMillis) {
    if (secret == null) {
      return "this broker has no cluster secret";
    }
    if (time == null || requestId == null || signature == null || !time.matches("[0-9]{1,18}")) {
      return "not signed";
    }
    long at = Long.parseLong(time);
    if (Math.abs(nowMillis - at) > WINDOW_MILLIS) {
      return "signed too long ago (or the brokers' clocks differ)";
    }
    byte[] expected = sign(method, path, at, requestId, body).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))) {
      return "bad signature";
    }
    forget(nowMillis);
    if (seen.putIfAbsent(signature, at) != null) {
      return "replayed";
    }
    return null;
  }

  private void forget(long nowMillis) {
    if (nowMillis - prunedAt < 1000) {
      return;
    }
    prunedAt = nowMillis;
    for (Iterator<Long> it = seen.values().iterator(); it.hasNext(); ) {
      if (nowMillis - it.next() > 2 * WINDOW_MILLIS) {
        it.remove();
      }
    }
  }
}
