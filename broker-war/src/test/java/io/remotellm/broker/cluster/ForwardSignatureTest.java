package io.remotellm.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A forwarded request is accepted only when signed with the cluster secret, fresh and new. */
class ForwardSignatureTest {
  private static final byte[] BODY = "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8);
  private static final long NOW = 1_800_000_000_000L;

  private final ForwardSignature brokerA = ForwardSignature.of("cluster-secret");
  private final ForwardSignature brokerB = ForwardSignature.of("cluster-secret");

  private String refusal(ForwardSignature at, String sig, long time, byte[] body, long now) {
    return at.refusal("POST", "/cluster/relay", Long.toString(time), "req-1", sig, body, now);
  }

  @Test
  void aSignedFreshRequestIsAcceptedOnceOnly() {
    String sig = brokerA.sign("POST", "/cluster/relay", NOW, "req-1", BODY);
    assertThat(refusal(brokerB, sig, NOW, BODY, NOW + 200)).isNull();
    assertThat(refusal(brokerB, sig, NOW, BODY, NOW + 300)).isEqualTo("replayed");
  }

  @Test
  void anotherSecretABodyChangedOnTheWayOrAnOldTimeIsRefused() {
    String forged = ForwardSignature.of("guess").sign("POST", "/cluster/relay", NOW, "req-1", BODY);
    assertThat(refusal(brokerB, forged, NOW, BODY, NOW)).isEqualTo("bad signature");
    String sig = brokerA.sign("POST", "/cluster/relay", NOW, "req-1", BODY);
    byte[] changed = "{\"model\":\"x\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(refusal(brokerB, sig, NOW, changed, NOW)).isEqualTo("bad signature");
    assertThat(refusal(brokerB, sig, NOW, BODY, NOW + 31_000)).startsWith("signed too long ago");
    assertThat(brokerB.refusal("POST", "/cluster/relay", null, "r", sig, BODY, NOW))
        .isEqualTo("not signed");
  }

  @Test
  void withoutASecretNothingIsAccepted() {
    ForwardSignature none = new ForwardSignature();
    assertThat(none.configured()).isFalse();
    String sig = brokerA.sign("POST", "/cluster/relay", NOW, "req-1", BODY);
    assertThat(refusal(none, sig, NOW, BODY, NOW)).isEqualTo("this broker has no cluster secret");
  }
}
