package io.remotellm.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.remotellm.broker.config.ConfigurationException;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

  private final TrustedProxies proxies =
      TrustedProxies.parse(List.of("10.0.0.5", "192.168.0.0/16", "fd00::/8"));

  @Test
  void aTrustedProxysForwardedForNamesTheCaller() {
    assertThat(proxies.clientOf("10.0.0.5", "203.0.113.9")).isEqualTo("203.0.113.9");
    assertThat(proxies.clientOf("192.168.7.1", "203.0.113.9")).isEqualTo("203.0.113.9");
    assertThat(proxies.clientOf("fd12::1", "2001:db8::7")).isEqualTo("2001:db8::7");
  }

  @Test
  void anyoneElsesForwardedForIsIgnored() {
    assertThat(proxies.clientOf("203.0.113.50", "1.2.3.4")).isEqualTo("203.0.113.50");
    assertThat(proxies.clientOf("10.0.0.6", "1.2.3.4"))
        .as("next to a trusted one")
        .isEqualTo("10.0.0.6");
    assertThat(TrustedProxies.none().clientOf("10.0.0.5", "1.2.3.4")).isEqualTo("10.0.0.5");
  }

  @Test
  void theWalkStartsAtTheProxysEndAndSkipsTrustedHops() {
    // The caller may write anything on the left; only what trusted proxies appended counts.
    assertThat(proxies.clientOf("10.0.0.5", "6.6.6.6, 203.0.113.9, 192.168.1.1"))
        .isEqualTo("203.0.113.9");
    assertThat(proxies.clientOf("10.0.0.5", "192.168.1.1, 10.0.0.5")).isEqualTo("192.168.1.1");
  }

  @Test
  void anEntryThatIsNoAddressStopsAtTheLastTrustedHop() {
    assertThat(proxies.clientOf("10.0.0.5", "unknown")).isEqualTo("10.0.0.5");
    assertThat(proxies.clientOf("10.0.0.5", "evil.example, 192.168.1.1")).isEqualTo("192.168.1.1");
    assertThat(proxies.clientOf("10.0.0.5", "")).isEqualTo("10.0.0.5");
    assertThat(proxies.clientOf("10.0.0.5", null)).isEqualTo("10.0.0.5");
  }

  @Test
  void prefixesCutInsideAByte() {
    TrustedProxies twelve = TrustedProxies.parse(List.of("172.16.0.0/12"));
    assertThat(twelve.clientOf("172.31.255.255", "8.8.8.8")).isEqualTo("8.8.8.8");
    assertThat(twelve.clientOf("172.32.0.1", "8.8.8.8")).isEqualTo("172.32.0.1");
    assertThat(TrustedProxies.parse(List.of("0.0.0.0/0")).clientOf("1.1.1.1", "8.8.8.8"))
        .isEqualTo("8.8.8.8");
  }

  @Test
  void badEntriesAreRefusedByName() {
    for (String bad :
        List.of("proxy.example", "10.0.0.0/33", "10.0.0.0/x", "10.0.0", "", "fd00::/129")) {
      assertThatThrownBy(() -> TrustedProxies.parse(List.of(bad)))
          .as(bad)
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("trusted-proxies");
    }
  }
}
