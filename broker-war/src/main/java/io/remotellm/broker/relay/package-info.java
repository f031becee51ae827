/**
 * The relay: the {@code /ws} endpoint connectors dial into, one {@link
 * io.remotellm.broker.relay.ConnectorLink} per live socket, and the exchanges that carry one HTTP
 * request to a connector and its answer back (retry before {@code head}, cancel, timeouts,
 * keep-alives, heartbeats).
 */
package io.remotellm.broker.relay;
