package io.remotellm.broker.relay;

import io.remotellm.broker.logging.LogFields;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the relay logs about one request, each record with the same fields: the client's {@code
 * request_id}, the broker's {@code relay_id}, the endpoint and model, and the connector's id and
 * token fingerprint once there is one, and the user's name. Never the body, the headers or a key.
 */
final class ExchangeLog {

  private static final Logger LOG = Logger.getLogger(Dispatcher.class.getName());

  private ExchangeLog() {}

  static void sent(Exchange exchange, ConnectorLink link) {
    if (!LOG.isLoggable(Level.FINE)) {
      return; // every request passes here: no fields built for a line nobody reads
    }
    fields(exchange, link)
        .log(LOG, Level.FINE, "request {0} sent to connector {1}", id(exchange), link.id());
  }

  static void retried(Exchange exchange, ConnectorLink link, String reason) {
    fields(exchange, link)
        .and("reason", reason)
        .log(
            LOG,
            Level.INFO,
            "request {0} retried on connector {1} ({2}): {3}",
            id(exchange),
            link.id(),
            link.fingerprint(),
            reason);
  }

  static void sendFailed(Exchange exchange, ConnectorLink link, Throwable error) {
    fields(exchange, link)
        .log(
            LOG,
            Level.WARNING,
            "request {0}: sending to connector {1} failed: {2}",
            id(exchange),
            link.id(),
            error.toString());
  }

  static void cancelSent(Exchange exchange, ConnectorLink link, String reason) {
    fields(exchange, link)
        .and("reason", reason)
        .log(
            LOG,
            Level.INFO,
            "request {0}: cancel sent to connector {1} ({2})",
            id(exchange),
            link.id(),
            reason);
  }

  static void abandoned(Exchange exchange, ConnectorLink link, RuntimeException bug) {
    fields(exchange, link)
        .log(LOG, Level.WARNING, bug, "request {0} abandoned after an error", id(exchange));
  }

  /** The request's one access line, with the last connector tried. */
  static void finished(Exchange exchange, int status, String errorCode) {
    RelayRequest r = exchange.request();
    ConnectorLink last = exchange.lastLink();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exchange.startNanos());
    exchange
        .access()
        .relayed(
            fields(exchange, last),
            r.model(),
            last == null ? null : last.id(),
            last == null ? null : last.fingerprint(),
            status,
            millis,
            r.stream(),
            exchange.attempts(),
            errorCode);
  }

  private static String id(Exchange exchange) {
    return exchange.request().requestId();
  }

  private static LogFields fields(Exchange exchange, ConnectorLink link) {
    RelayRequest request = exchange.request();
    return LogFields.of("request_id", request.requestId())
        .and("relay_id", exchange.relayId())
        .and("method", request.method())
        .and("endpoint", request.path())
        .and("api", request.api().wireName())
        .and("model", request.model())
        .and("user", request.user())
        .and("connector_id", link == null ? null : link.id())
        .and("token_fp", link == null ? null : link.fingerprint());
  }
}
