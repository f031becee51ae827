/**
 * What several brokers must agree on (issue 15): each user's limit counters, in one grid map whose
 * entries change by one atomic grid call each ({@link
 * io.remotellm.broker.cluster.shared.GridLimitState}), and the admin actions (keys created,
 * changed, revoked; connector tokens revoked), told to every broker over a grid topic. {@link
 * io.remotellm.broker.cluster.shared.SharedState} switches them on at start when the broker is
 * clustered; only classes it reaches after that name Hazelcast types.
 */
package io.remotellm.broker.cluster.shared;
