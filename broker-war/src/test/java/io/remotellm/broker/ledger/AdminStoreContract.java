package io.remotellm.broker.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.remotellm.broker.ledger.AdminStore.StoredAudit;
import io.remotellm.broker.ledger.AdminStore.StoredKey;
import io.remotellm.broker.ledger.AdminStore.StoredToken;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the admin tables must do on every database the ledger supports. */
abstract class AdminStoreContract {

  /** A store on an empty database, migrated; a second call opens it again (a restart). */
  abstract LedgerStore store();

  /** Closes the store of the last {@link #store()}. */
  abstract void closeStore();

  private static final Instant T = Instant.parse("2026-12-06T10:00:00Z");

  private static StoredKey key(String name, String sha, long rpm, String models, Instant created) {
    return new StoredKey(name, sha, sha.substring(0, 8), rpm, 2, 3, 4, models, created);
  }

  private static StoredAudit audit(Instant t, String action, String target) {
    return new StoredAudit(t, "adm1fp", action, target, "detail of " + action);
  }

  @Test
  void issuedKeysChangesAndRevocationsOutliveARestart() {
    AdminStore admin = store().admin();
    String aliceSha = "a".repeat(64);
    String bobSha = "b".repeat(64);
    admin.issue(key("alice", aliceSha, 1, null, T), audit(T, "user.create", "alice"));
    admin.issue(
        key("bob", bobSha, 5, "[\"llama*\"]", T.plusSeconds(1)),
        audit(T.plusSeconds(1), "user.create", "bob"));
    admin.change(
        key("bob", bobSha, 50, "[\"qwen\"]", T.plusSeconds(1)),
        audit(T.plusSeconds(2), "user.change", "bob"));
    admin.revokeKey(aliceSha, audit(T.plusSeconds(3), "user.revoke", "alice"));
    // The name may be issued again, with a new key.
    String alice2Sha = "c".repeat(64);
    admin.issue(
        key("alice", alice2Sha, 7, null, T.plusSeconds(4)),
        audit(T.plusSeconds(4), "user.create", "alice"));
    admin.revokeTokens(
        List.of(new StoredToken("tok-id-1", "fp1")),
        audit(T.plusSeconds(5), "connector.revoke", "fp1"));
    closeStore();

    AdminStore again = store().admin();
    assertThat(again.liveKeys())
        .containsExactly(
            key("bob", bobSha, 50, "[\"qwen\"]", T.plusSeconds(1)),
            key("alice", alice2Sha, 7, null, T.plusSeconds(4)));
    assertThat(again.revokedTokens()).containsExactly(new StoredToken("tok-id-1", "fp1"));
    assertThat(again.latestAudit(3))
        .containsExactly(
            audit(T.plusSeconds(5), "connector.revoke", "fp1"),
            audit(T.plusSeconds(4), "user.create", "alice"),
            audit(T.plusSeconds(3), "user.revoke", "alice"));
    assertThat(again.latestAudit(100)).hasSize(6);
  }

  @Test
  void aFailedActionLeavesNeitherTheChangeNorItsAudit() {
    AdminStore admin = store().admin();
    String sha = "d".repeat(64);
    admin.issue(key("carol", sha, 1, null, T), audit(T, "user.create", "carol"));
    // The same key twice breaks the primary key: the whole transaction goes, its audit too.
    assertThatThrownBy(
            () -> admin.issue(key("dave", sha, 1, null, T), audit(T, "user.create", "dave")))
        .isNotNull();
    // Changing a revoked key is refused, with no audit row.
    admin.revokeKey(sha, audit(T.plusSeconds(1), "user.revoke", "carol"));
    assertThatThrownBy(
            () ->
                admin.change(
                    key("carol", sha, 9, null, T), audit(T.plusSeconds(2), "user.change", "carol")))
        .isInstanceOf(IllegalStateException.class);
    assertThat(admin.liveKeys()).isEmpty();
    assertThat(admin.latestAudit(100))
        .extracting(StoredAudit::action)
        .containsExactly("user.revoke", "user.create");
  }

  @Test
  void aTokenRevokedTwiceIsStoredOnce() {
    AdminStore admin = store().admin();
    admin.revokeTokens(List.of(new StoredToken("t1", "f1")), audit(T, "connector.revoke", "f1"));
    admin.revokeTokens(
        List.of(new StoredToken("t1", "f1"), new StoredToken("t2", "f1")),
        audit(T.plusSeconds(1), "connector.revoke", "f1"));
    assertThat(admin.revokedTokens())
        .containsExactlyInAnyOrder(new StoredToken("t1", "f1"), new StoredToken("t2", "f1"));
  }
}
