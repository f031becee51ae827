/**
 * The relay. {@link io.remotellm.broker.relay.ConnectorRegistry} owns the connectors (the {@code
 * /ws} endpoint's sockets, one {@link io.remotellm.broker.relay.ConnectorLink} each: hello,
 * welcome, token recheck, heartbeat, close); {@link io.remotellm.broker.relay.Dispatcher} owns the
 * requests in flight, each an {@link io.remotellm.broker.relay.Exchange} that carries one HTTP
 * request to a connector and its answer back (retry before {@code head}, cancel, timeouts,
 * keep-alives). docs/architecture.md has the whole picture.
 */
package io.remotellm.broker.relay;
