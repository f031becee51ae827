package io.remotellm.broker.ledger;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A user key an admin issued (table {@code admin_user_key}); the key itself is never stored. */
@Entity
@Table(name = "admin_user_key")
class IssuedKeyRow {

  @Id
  @Column(name = "key_sha256")
  String keySha256;

  @Column(name = "user_name", nullable = false)
  String userName;

  @Column(name = "key_fingerprint", nullable = false)
  String keyFingerprint;

  @Column(name = "requests_per_minute", nullable = false)
  long requestsPerMinute;

  @Column(name = "tokens_per_minute", nullable = false)
  long tokensPerMinute;

  @Column(name = "tokens_per_day", nullable = false)
  long tokensPerDay;

  @Column(name = "max_concurrent", nullable = false)
  long maxConcurrent;

  @Column(name = "models")
  String models;

  @Column(name = "created_at", nullable = false)
  OffsetDateTime createdAt;

  @Column(name = "revoked_at")
  OffsetDateTime revokedAt;

  protected IssuedKeyRow() {}
}
