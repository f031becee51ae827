package io.remotellm.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.remotellm.broker.auth.TestCredentials;
import io.remotellm.broker.ledger.LedgerOpened;
import io.remotellm.broker.ledger.LedgerStore;
import io.remotellm.broker.ledger.UsageLedger;
import io.remotellm.broker.limits.Limits;
import io.remotellm.broker.users.IssuedKeys;
import io.remotellm.broker.users.ModelAllowList;
import io.remotellm.protocol.Fingerprint;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin actions against a real embedded ledger database: what one broker did is in force in the
 * next one (a restart), and with the database away an action fails and changes nothing.
 */
class AdminStateTest {

  @TempDir Path dataDir;
  private LedgerStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  /** One broker's admin beans. */
  private record Broker(AdminState state, IssuedKeys issued, TestCredentials credentials) {}

  /** A broker whose ledger database is {@code open}; null: the database is away. */
  private Broker broker(LedgerStore open) {
    AdminState state = new AdminState();
    state.ledger =
        new UsageLedger() {
          @Override
          public boolean enabled() {
            return true;
          }

          @Override
          public LedgerStore store() {
            return open;
          }
        };
    state.issued = new IssuedKeys();
    TestCredentials credentials = new TestCredentials();
    credentials.grant("tok-a", Optional.empty());
    credentials.grant("tok-b", Optional.empty());
    state.credentials = credentials.credentials;
    state.audit = new AuditLog();
    if (open != null) {
      state.onLedgerOpened(new LedgerOpened(open));
    }
    return new Broker(state, state.issued, credentials);
  }

  private LedgerStore open() {
    return LedgerStore.open(
        "jdbc:h2:file:" + dataDir.resolve("ledger") + ";DB_CLOSE_ON_EXIT=FALSE", "sa", null);
  }

  @Test
  void actionsOutliveARestart() {
    store = open();
    Broker first = broker(store);
    String key =
        first
            .state()
            .createUser(
                "adminfp", "erin", new Limits(5, 0, 1000, 2), ModelAllowList.of(List.of("llama*")))
            .orElseThrow()
            .key();
    String gone =
        first
            .state()
            .createUser("adminfp", "fred", Limits.NONE, ModelAllowList.ANY)
            .orElseThrow()
            .key();
    assertThat(
            first
                .state()
                .changeUser(
                    "adminfp",
                    "erin",
                    new Limits(9, 0, 1000, 2),
                    ModelAllowList.of(List.of("qwen"))))
        .isPresent();
    assertThat(first.state().revokeUser("adminfp", "fred")).isTrue();
    assertThat(first.state().revokeConnector("adminfp", Fingerprint.of("tok-b")))
        .containsExactly(Fingerprint.of("tok-b"));
    store.close();

    store = open();
    Broker next = broker(store);
    var erin = next.issued().find(key).orElseThrow();
    assertThat(erin.name()).isEqualTo("erin");
    assertThat(erin.limits()).isEqualTo(new Limits(9, 0, 1000, 2));
    assertThat(erin.models().globs()).containsExactly("qwen");
    assertThat(next.issued().find(gone)).isEmpty();
    // The connector config still lists tok-b: refused all the same.
    assertThat(next.credentials().credentials.connector("Bearer tok-b")).isEmpty();
    assertThat(next.credentials().credentials.connector("Bearer tok-a")).isPresent();
    assertThat(next.state().audit.entries())
        .extracting(AuditLog.Entry::action)
        .containsExactly(
            "connector.revoke", "user.revoke", "user.change", "user.create", "user.create");
    assertThat(next.state().audit.entries()).allMatch(e -> e.admin().equals("adminfp"));
  }

  @Test
  void aLongAllowListIsStoredWholeAndItsAuditCut() {
    // About as long as the admin API's 64 KiB body allows.
    List<String> globs = new java.util.ArrayList<>();
    for (int i = 0; i < 240; i++) {
      globs.add(i + "-" + "m".repeat(250));
    }
    store = open();
    String key =
        broker(store)
            .state()
            .createUser("adminfp", "hal", Limits.NONE, ModelAllowList.of(globs))
            .orElseThrow()
            .key();
    store.close();
    store = open();
    Broker next = broker(store);
    assertThat(next.issued().find(key).orElseThrow().models().globs()).isEqualTo(globs);
    assertThat(next.state().audit.entries())
        .singleElement()
        .satisfies(e -> assertThat(e.detail()).hasSize(4000).endsWith("\u2026"));
  }

  @Test
  void withTheDatabaseAwayAnActionFailsAndChangesNothing() {
    Broker away = broker(null);
    assertThatThrownBy(
            () -> away.state().createUser("adminfp", "gina", Limits.NONE, ModelAllowList.ANY))
        .isInstanceOf(AdminState.Unavailable.class);
    assertThat(away.issued().get("gina")).isEmpty();
    assertThatThrownBy(() -> away.state().revokeConnector("adminfp", Fingerprint.of("tok-a")))
        .isInstanceOf(AdminState.Unavailable.class);
    assertThat(away.credentials().credentials.connector("Bearer tok-a")).isPresent();
    assertThat(away.state().audit.entries()).isEmpty();
  }
}
