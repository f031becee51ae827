package io.remotellm.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.protocol.Fingerprint;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CredentialsRevokeTest {

  @Test
  void aRevokedTokenIsRefusedAndNoLongerCurrentEvenAfterAReload() {
    TestCredentials test = new TestCredentials();
    ConnectorCredential kept = test.grant("tok-kept", Optional.empty());
    ConnectorCredential doomed = test.grant("tok-doomed", Optional.empty());

    assertThat(test.credentials.revoke(Fingerprint.of("tok-doomed")))
        .containsExactly(Fingerprint.of("tok-doomed"));
    assertThat(test.credentials.connector("Bearer tok-doomed")).isEmpty();
    assertThat(test.credentials.current(doomed)).isEmpty();
    assertThat(test.credentials.current(kept)).isPresent();
    assertThat(test.credentials.tokens())
        .containsEntry(Fingerprint.of("tok-doomed"), true)
        .containsEntry(Fingerprint.of("tok-kept"), false);

    test.reload(); // the file still lists it: revoked all the same
    assertThat(test.credentials.connector("Bearer tok-doomed")).isEmpty();
    assertThat(test.credentials.revoke("00000000")).isEmpty();
    assertThat(test.credentials.revoke(Fingerprint.of("tok-doomed"))).isEmpty();
  }
}
