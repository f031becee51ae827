package io.remotellm.broker.ledger;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** One admin action (table {@code admin_audit}). */
@Entity
@Table(name = "admin_audit")
class AuditRow {

  @Id
  @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "admin_audit_seq")
  @SequenceGenerator(
      name = "admin_audit_seq",
      sequenceName = "admin_audit_seq",
      allocationSize = 100)
  Long id;

  @Column(name = "recorded_at", nullable = false)
  OffsetDateTime recordedAt;

  @Column(name = "admin_fingerprint", nullable = false)
  String adminFingerprint;

  @Column(name = "admin_action", nullable = false)
  String action;

  @Column(name = "target_name", nullable = false)
  String target;

  @Column(name = "detail", nullable = false)
  String detail;

  protected AuditRow() {}
}
