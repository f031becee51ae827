package io.remotellm.broker.usage;

/**
 * What the usage ledger reports to the metrics ({@code remotellm_ledger_queued_records}, {@code
 * remotellm_ledger_dropped_records_total}). The ledger implements it as a CDI bean; without one,
 * the metrics leave those series out.
 */
public interface LedgerGauge {

  /** Records waiting to be written to the database. */
  long queued();

  /** Records dropped since the start because the queue was full (the database was away). */
  long dropped();
}
