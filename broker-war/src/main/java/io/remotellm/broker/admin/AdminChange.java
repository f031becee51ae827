package io.remotellm.broker.admin;

import io.remotellm.broker.users.IssuedKeys;
import java.util.List;

/**
 * An admin action as it took effect, told to the other brokers of a cluster so it holds there too
 * (see {@link AdminState#announceChangesTo} and {@link AdminState#apply}). Carries what the
 * database row holds (a key's SHA-256, never the key) and the action's audit entry.
 */
public sealed interface AdminChange {

  AuditLog.Entry audit();

  /** A user created, or its limits or allow-list changed. */
  record UserPut(IssuedKeys.Issued issued, AuditLog.Entry audit) implements AdminChange {}

  /** An issued user's key revoked. */
  record UserRevoked(String name, AuditLog.Entry audit) implements AdminChange {}

  /** Connector tokens revoked, by token id (a fingerprint of the token, never the token). */
  record TokensRevoked(List<String> tokenIds, AuditLog.Entry audit) implements AdminChange {
    public TokensRevoked {
      tokenIds = List.copyOf(tokenIds);
    }
  }
}
