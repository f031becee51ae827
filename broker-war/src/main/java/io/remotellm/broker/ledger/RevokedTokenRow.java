package io.remotellm.broker.ledger;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A connector token an admin revoked (table {@code admin_revoked_token}), by its id. */
@Entity
@Table(name = "admin_revoked_token")
class RevokedTokenRow {

  @Id
  @Column(name = "token_id")
  String tokenId;

  @Column(name = "token_fingerprint", nullable = false)
  String tokenFingerprint;

  @Column(name = "revoked_at", nullable = false)
  OffsetDateTime revokedAt;

  protected RevokedTokenRow() {}

  RevokedTokenRow(String tokenId, String tokenFingerprint, OffsetDateTime revokedAt) {
    this.tokenId = tokenId;
    this.tokenFingerprint = tokenFingerprint;
    this.revokedAt = revokedAt;
  }
}
