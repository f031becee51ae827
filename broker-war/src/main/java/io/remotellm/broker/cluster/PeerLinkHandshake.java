package io.remotellm.broker.cluster;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The signed headers of a peer link's upgrade request: the same HMAC under the cluster secret as a
 * forwarded HTTP request ({@link ForwardSignature}) over {@code GET}, the link's path, the time and
 * a random nonce, with an empty body. Checked where the link arrives: a wrong or missing signature,
 * a time outside the window, or a handshake seen before (a replay) is refused.
 */
final class PeerLinkHandshake {
  static final String METHOD = "GET";
  private static final byte[] NO_BODY = new byte[0];

  private PeerLinkHandshake() {}

  /** The headers a dialling broker sends at {@code nowMillis}. */
  static Map<String, String> headers(ForwardSignature signature, long nowMillis) {
    String nonce = "link." + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(ForwardSignature.TIME, Long.toString(nowMillis));
    headers.put(ForwardSignature.REQUEST, nonce);
    headers.put(
        ForwardSignature.SIGNATURE,
        signature.sign(METHOD, PeerLinkEndpoint.PATH, nowMillis, nonce, NO_BODY));
    return headers;
  }

  /** Why the handshake with these headers is refused, or null when it is genuine and fresh. */
  static String refusal(
      ForwardSignature signature, Map<String, List<String>> headers, long nowMillis) {
    return signature.refusal(
        METHOD,
        PeerLinkEndpoint.PATH,
        header(headers, ForwardSignature.TIME),
        header(headers, ForwardSignature.REQUEST),
        header(headers, ForwardSignature.SIGNATURE),
        NO_BODY,
        nowMillis);
  }

  private static String header(Map<String, List<String>> headers, String name) {
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
        return e.getValue().get(0);
      }
    }
    return null;
  }
}
