/**
 * The connector's side of the relay: it dials the broker's WebSocket with its token, registers with
 * {@code hello}, keeps the link alive with pings, reconnects forever with jittered backoff, and
 * sends answer frames in order through one queue per socket.
 */
package io.remotellm.connector.connection;
