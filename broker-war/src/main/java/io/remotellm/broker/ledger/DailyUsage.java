package io.remotellm.broker.ledger;

import jakarta.persistence.Column;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** A day's totals for one user and model (table {@code usage_daily}); days are UTC. */
@Entity
@Table(name = "usage_daily")
public class DailyUsage {

  @EmbeddedId DailyUsageKey key;

  @Column(nullable = false)
  long requests;

  @Column(name = "failed_requests", nullable = false)
  long failedRequests;

  @Column(name = "estimated_requests", nullable = false)
  long estimatedRequests;

  @Column(name = "input_tokens", nullable = false)
  long inputTokens;

  @Column(name = "output_tokens", nullable = false)
  long outputTokens;

  protected DailyUsage() {}

  DailyUsage(DailyUsageKey key) {
    this.key = key;
  }

  public DailyUsageKey key() {
    return key;
  }

  public long requests() {
    return requests;
  }

  public long failedRequests() {
    return failedRequests;
  }

  public long estimatedRequests() {
    return estimatedRequests;
  }

  public long inputTokens() {
    return inputTokens;
  }

  public long outputTokens() {
    return outputTokens;
  }

  /** Adds {@code other}'s counts to these. */
  void add(DailyUsage other) {
    requests += other.requests;
    failedRequests += other.failedRequests;
    estimatedRequests += other.estimatedRequests;
    inputTokens += other.inputTokens;
    outputTokens += other.outputTokens;
  }

  /** Counts {@code entry} in. */
  void add(LedgerEntry entry) {
    requests++;
    if (entry.status >= 400) {
      failedRequests++;
    }
    if (entry.estimated) {
      estimatedRequests++;
    }
    inputTokens += entry.inputTokens;
    outputTokens += entry.outputTokens;
  }
}
