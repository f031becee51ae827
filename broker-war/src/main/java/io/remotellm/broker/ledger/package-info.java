/**
 * The usage ledger: a row per relayed request and daily totals per user and model, in a real
 * database (embedded H2 under the data directory by default, PostgreSQL when shared), written in
 * batches off the request path and kept while the database is away, within a bound.
 */
package io.remotellm.broker.ledger;
