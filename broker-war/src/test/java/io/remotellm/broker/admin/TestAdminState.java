package io.remotellm.broker.admin;

import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.ledger.LedgerStore;
import io.remotellm.broker.ledger.UsageLedger;
import io.remotellm.broker.users.IssuedKeys;

/** An {@link AdminState} for tests outside this package, with the ledger off (memory only). */
public final class TestAdminState {
  private TestAdminState() {}

  public static AdminState of(IssuedKeys issued, Credentials credentials, AuditLog audit) {
    AdminState state = new AdminState();
    state.ledger =
        new UsageLedger() {
          @Override
          public boolean enabled() {
            return false;
          }

          @Override
          public LedgerStore store() {
            return null;
          }
        };
    state.issued = issued;
    state.credentials = credentials;
    state.audit = audit;
    return state;
  }
}
