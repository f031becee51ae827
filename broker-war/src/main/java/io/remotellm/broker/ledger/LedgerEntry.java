package io.remotellm.broker.ledger;

import io.remotellm.broker.usage.UsageRecorded;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** One relayed request in the ledger (table {@code usage_record}), as read back. */
@Entity
@Table(name = "usage_record")
public class LedgerEntry {

  /**
   * Ids come a hundred at a time, so a batch of rows is inserted without a round trip each. The
   * broker writes rows through {@link LedgerBatchJdbc}, which takes them from the sequence the same
   * way; the mapping is kept as the record of that scheme, and for reads.
   */
  @Id
  @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "usage_record_seq")
  @SequenceGenerator(
      name = "usage_record_seq",
      sequenceName = "usage_record_seq",
      allocationSize = 100)
  Long id;

  @Column(name = "started_at", nullable = false)
  OffsetDateTime startedAt;

  @Column(name = "request_id", nullable = false)
  String requestId;

  @Column(name = "user_name")
  String userName;

  @Column(nullable = false)
  String model;

  @Column(name = "connector_id")
  String connectorId;

  @Column(nullable = false)
  String api;

  @Column(nullable = false)
  String endpoint;

  @Column(nullable = false)
  int status;

  @Column(nullable = false)
  boolean streamed;

  @Column(name = "input_tokens", nullable = false)
  long inputTokens;

  @Column(name = "output_tokens", nullable = false)
  long outputTokens;

  @Column(name = "first_token_ms")
  Long firstTokenMillis;

  @Column(name = "duration_ms", nullable = false)
  long durationMillis;

  @Column(nullable = false)
  boolean cancelled;

  @Column(nullable = false)
  boolean estimated;

  protected LedgerEntry() {}

  static LedgerEntry of(UsageRecorded u) {
    LedgerEntry e = new LedgerEntry();
    e.startedAt = u.started().atOffset(ZoneOffset.UTC);
    e.requestId = LedgerText.cut(u.requestId(), 128);
    e.userName = LedgerText.cut(u.user(), 256);
    e.model = LedgerText.cut(u.model(), 256);
    e.connectorId = LedgerText.cut(u.connectorId(), 128);
    e.api = LedgerText.cut(u.api(), 32);
    e.endpoint = LedgerText.cut(u.endpoint(), 128);
    e.status = u.status();
    e.streamed = u.streamed();
    e.inputTokens = u.usage().input();
    e.outputTokens = u.usage().output();
    e.firstTokenMillis = u.timeToFirstToken() == null ? null : u.timeToFirstToken().toMillis();
    e.durationMillis = u.duration().toMillis();
    e.cancelled = u.cancelled();
    e.estimated = u.usage().estimated();
    return e;
  }

  public OffsetDateTime startedAt() {
    return startedAt;
  }

  public String requestId() {
    return requestId;
  }

  public String userName() {
    return userName;
  }

  public String model() {
    return model;
  }

  public String connectorId() {
    return connectorId;
  }

  public String api() {
    return api;
  }

  public int status() {
    return status;
  }

  public long inputTokens() {
    return inputTokens;
  }

  public long outputTokens() {
    return outputTokens;
  }

  public Long firstTokenMillis() {
    return firstTokenMillis;
  }

  public long durationMillis() {
    return durationMillis;
  }

  public boolean cancelled() {
    return cancelled;
  }

  public boolean estimated() {
    return estimated;
  }
}
