package io.remotellm.broker.ledger;

/**
 * Fired (synchronously, on the ledger's thread) each time the ledger's database is opened, at start
 * and after an outage, before the store is used: the admin state is read from it then.
 */
public record LedgerOpened(LedgerStore store) {}
