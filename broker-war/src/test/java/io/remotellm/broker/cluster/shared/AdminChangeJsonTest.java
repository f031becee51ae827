package io.remotellm.broker.cluster.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.remotellm.broker.admin.AdminChange;
import io.remotellm.broker.admin.AuditLog;
import io.remotellm.broker.limits.Limits;
import io.remotellm.broker.users.IssuedKeys;
import io.remotellm.broker.users.ModelAllowList;
import io.remotellm.broker.users.User;
import io.remotellm.protocol.Fingerprint;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs without Hazelcast: the messages are plain JSON text. */
class AdminChangeJsonTest {

  private static final AuditLog.Entry AUDIT =
      new AuditLog.Entry(
          Instant.parse("2026-12-06T21:00:00Z"), "adminfp", "user.change", "bob", "limits");

  private static AdminChange roundTrip(AdminChange change) {
    return AdminChangeJson.decode(AdminChangeJson.encode(change));
  }

  @Test
  void aUserPutTravelsWithItsLimitsAllowListAndKeyDigestButNoKey() {
    String key = "sk-rl-secret";
    IssuedKeys.Issued issued =
        new IssuedKeys.Issued(
            new User("bob", new Limits(1, 2, 3, 4), ModelAllowList.of(List.of("qwen*", "llama3"))),
            Fingerprint.sha256(key),
            Fingerprint.of(key),
            Instant.parse("2026-12-01T10:00:00Z"));
    String text = AdminChangeJson.encode(new AdminChange.UserPut(issued, AUDIT));
    assertThat(text).doesNotContain(key);
    AdminChange.UserPut back = (AdminChange.UserPut) AdminChangeJson.decode(text);
    assertThat(back.issued().user().name()).isEqualTo("bob");
    assertThat(back.issued().user().limits()).isEqualTo(new Limits(1, 2, 3, 4));
    assertThat(back.issued().user().models().globs()).containsExactly("qwen*", "llama3");
    assertThat(back.issued().keyDigest()).isEqualTo(Fingerprint.sha256(key));
    assertThat(back.issued().keyFingerprint()).isEqualTo(Fingerprint.of(key));
    assertThat(back.issued().created()).isEqualTo(issued.created());
    assertThat(back.audit()).isEqualTo(AUDIT);
  }

  @Test
  void anUnrestrictedUserStaysUnrestricted() {
    IssuedKeys.Issued issued =
        new IssuedKeys.Issued(
            new User("bob", Limits.NONE, ModelAllowList.ANY),
            Fingerprint.sha256("k"),
            Fingerprint.of("k"),
            Instant.parse("2026-12-01T10:00:00Z"));
    AdminChange.UserPut back =
        (AdminChange.UserPut) roundTrip(new AdminChange.UserPut(issued, AUDIT));
    assertThat(back.issued().user().models().restricted()).isFalse();
  }

  @Test
  void revocationsRoundTrip() {
    assertThat(roundTrip(new AdminChange.UserRevoked("bob", AUDIT)))
        .isEqualTo(new AdminChange.UserRevoked("bob", AUDIT));
    assertThat(roundTrip(new AdminChange.TokensRevoked(List.of("id1", "id2"), AUDIT)))
        .isEqualTo(new AdminChange.TokensRevoked(List.of("id1", "id2"), AUDIT));
  }

  @Test
  void textThatIsNoChangeIsRefused() {
    assertThatThrownBy(() -> AdminChangeJson.decode("{not json"))
        .isInstanceOf(RuntimeException.class);
    assertThatThrownBy(() -> AdminChangeJson.decode("{\"type\":\"user.put\"}"))
        .isInstanceOf(RuntimeException.class);
    String unknown =
        AdminChangeJson.encode(new AdminChange.UserRevoked("bob", AUDIT))
            .replace("user.revoke", "user.rename");
    assertThatThrownBy(() -> AdminChangeJson.decode(unknown))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
