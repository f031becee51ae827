package io.remotellm.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.protocol.Fingerprint;
import org.junit.jupiter.api.Test;

class SecretSetTest {

  @Test
  void findsOnlyExactSecrets() {
    SecretSet<String> set = SecretSet.<String>builder().add("alpha", "A").add("beta", "B").build();
    assertThat(set.find("alpha")).contains("A");
    assertThat(set.find("beta")).contains("B");
    assertThat(set.find("alph")).isEmpty();
    assertThat(set.find("alphaa")).isEmpty();
    assertThat(set.find(null)).isEmpty();
    assertThat(set.size()).isEqualTo(2);
  }

  @Test
  void bearerHeaderParsing() {
    assertThat(Credentials.bearer("Bearer abc")).contains("abc");
    assertThat(Credentials.bearer("bearer  abc ")).contains("abc");
    assertThat(Credentials.bearer("Basic abc")).isEmpty();
    assertThat(Credentials.bearer("Bearer ")).isEmpty();
    assertThat(Credentials.bearer(null)).isEmpty();
  }

  @Test
  void fingerprintIsEightHexDigitsOfSha256() {
    // sha256("abc") = ba7816bf...
    assertThat(Fingerprint.of("abc")).isEqualTo("ba7816bf");
  }
}
