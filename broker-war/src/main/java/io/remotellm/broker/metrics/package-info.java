/**
 * Prometheus metrics at {@code /metrics}: requests, latency, tokens, connectors, limits, the
 * ledger. Labels are bounded: never a key, a path or a request id; model names up to a cap.
 */
package io.remotellm.broker.metrics;
