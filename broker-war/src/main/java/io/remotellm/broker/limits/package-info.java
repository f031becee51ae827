/**
 * Per-user limits: {@link io.remotellm.broker.limits.RateLimiter} admits a request once before it
 * is relayed and is told of its end (slot freed, tokens charged); the counters live behind {@link
 * io.remotellm.broker.limits.LimitState}, in memory now, on the data grid once brokers cluster.
 */
package io.remotellm.broker.limits;
