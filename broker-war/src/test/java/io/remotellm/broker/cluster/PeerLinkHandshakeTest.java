package io.remotellm.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A peer link is opened only by a handshake signed with the cluster secret, fresh and new. */
class PeerLinkHandshakeTest {
  private static final long NOW = 1_800_000_000_000L;

  private final ForwardSignature brokerA = ForwardSignature.of("cluster-secret");
  private final ForwardSignature brokerB = ForwardSignature.of("cluster-secret");

  private static Map<String, List<String>> received(Map<String, String> sent) {
    // Header names arrive in whatever case the container keeps.
    Map<String, List<String>> headers = new LinkedHashMap<>();
    sent.forEach((name, value) -> headers.put(name.toUpperCase(), List.of(value)));
    return headers;
  }

  @Test
  void aSignedFreshHandshakeIsAcceptedOnceOnly() {
    Map<String, List<String>> headers = received(PeerLinkHandshake.headers(brokerA, NOW));
    assertThat(PeerLinkHandshake.refusal(brokerB, headers, NOW + 100)).isNull();
    assertThat(PeerLinkHandshake.refusal(brokerB, headers, NOW + 200)).isEqualTo("replayed");
  }

  @Test
  void anotherSecretAnOldHandshakeOrNoSignatureIsRefused() {
    Map<String, List<String>> forged =
        received(PeerLinkHandshake.headers(ForwardSignature.of("guess"), NOW));
    assertThat(PeerLinkHandshake.refusal(brokerB, forged, NOW)).isEqualTo("bad signature");
    Map<String, List<String>> old = received(PeerLinkHandshake.headers(brokerA, NOW));
    assertThat(PeerLinkHandshake.refusal(brokerB, old, NOW + 31_000))
        .startsWith("signed too long ago");
    assertThat(PeerLinkHandshake.refusal(brokerB, Map.of(), NOW)).isEqualTo("not signed");
    // A forwarded request's signature does not open a link (another method and path).
    String sig = brokerA.sign("POST", "/cluster/relay", NOW, "req-1", new byte[0]);
    Map<String, List<String>> relay =
        Map.of(
            ForwardSignature.TIME, List.of(Long.toString(NOW)),
            ForwardSignature.REQUEST, List.of("req-1"),
            ForwardSignature.SIGNATURE, List.of(sig));
    assertThat(PeerLinkHandshake.refusal(brokerB, relay, NOW)).isEqualTo("bad signature");
  }
}
