package io.remotellm.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FingerprintTest {

  @Test
  void isTheFirstEightHexDigitsOfSha256() {
    // echo -n abc | sha256sum → ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    assertThat(Fingerprint.of("abc")).isEqualTo("ba7816bf");
    assertThat(Fingerprint.id("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void noSecretIsNone() {
    assertThat(Fingerprint.of(null)).isEqualTo("none");
    assertThat(Fingerprint.of("")).isEqualTo("none");
  }
}
