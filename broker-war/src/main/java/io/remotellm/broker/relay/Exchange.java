package io.remotellm.broker.relay;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.routing.Lease;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Head;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client request on its way through a connector and back. Frames, a lost connector, a gone
 * client and the timer all end up here, from different threads; the state changes are
 * synchronised so exactly one of them finishes the exchange, and the lease is released exactly
 * once.
 */
final class Exchange {

  static final int MAX_ATTEMPTS = 2;

  private final RelayService relay;
  private final RelayRequest request;
  private final ResponseSink sink;
  private final long startNanos = System.nanoTime();
  private final Set<String> tried = ConcurrentHashMap.newKeySet();

  private Lease<ConnectorLink> lease;
  private ConnectorLink currentLink;
  private boolean headSeen;
  private boolean finished;
  private int status = 200;
  private volatile long lastFrameNanos = startNanos;
  private volatile long lastWriteNanos = startNanos;

  Exchange(RelayService relay, RelayRequest request, ResponseSink sink) {
    this.relay = relay;
    this.request = request;
    this.sink = sink;
  }

  String requestId() {
    return request.requestId();
  }

  RelayRequest request() {
    return request;
  }

  Set<String> tried() {
    return tried;
  }

  long startNanos() {
    return startNanos;
  }

  /** The connector of the current (or last) attempt. */
  synchronized ConnectorLink link() {
    return currentLink;
  }

  synchronized int attempts() {
    return tried.size();
  }

  synchronized boolean finished() {
    return finished;
  }

  /** The relay chose a connector for this attempt. */
  synchronized void attach(Lease<ConnectorLink> chosen) {
    lease = chosen;
    currentLink = chosen.route();
    tried.add(chosen.route().id());
    lastFrameNanos = System.nanoTime();
  }

  synchronized void onAnswer(ConnectorLink from, Frame.Answer frame) {
    if (finished || from != link()) {
      return; // a late frame from an attempt we gave up on, or after a cancel
    }
    try {
      answer(frame);
    } catch (RuntimeException e) {
      abandon(e);
    }
  }

  private void answer(Frame.Answer frame) {
    lastFrameNanos = System.nanoTime();
    if (frame instanceof Head h) {
      headSeen = true;
      status = h.status();
      sink.head(h.status(), h.headers());
      lastWriteNanos = System.nanoTime();
    } else if (frame instanceof Data d) {
      if (!headSeen) {
        // A connector that skips head still answered: treat it as a 200.
        headSeen = true;
        sink.head(200, Map.of());
      }
      sink.data(d.data());
      lastWriteNanos = System.nanoTime();
    } else if (frame instanceof End) {
      if (!headSeen) {
        headSeen = true;
        sink.head(200, Map.of());
      }
      try {
        sink.end();
      } finally {
        finish(status, null);
      }
    } else if (frame instanceof Failure f) {
      onFailure(f);
    }
  }

  private void onFailure(Failure f) {
    if (!headSeen && f.status() == 503 && retry("connector at capacity")) {
      return;
    }
    ApiError error =
        headSeen
            ? ApiError.upstream("The upstream failed mid-answer: " + f.message())
            : ApiError.fromConnector(f.status(), f.code(), f.message());
    try {
      sink.fail(error, headSeen);
    } finally {
      finish(headSeen ? 502 : f.status(), error.code());
    }
  }

  /** The connector this attempt went to dropped (socket closed, send failed, heartbeat missed). */
  synchronized void connectorLost(ConnectorLink link) {
    if (finished || link != link()) {
      return;
    }
    try {
      if (!headSeen && retry("connector dropped before answering")) {
        return;
      }
      ApiError error =
          ApiError.upstream("The connector disconnected before the answer was complete");
      try {
        sink.fail(error, headSeen);
      } finally {
        finish(502, error.code());
      }
    } catch (RuntimeException e) {
      abandon(e);
    }
  }

  /** Tries once more on another connector; false when no retry is possible. */
  private boolean retry(String why) {
    if (tried.size() >= MAX_ATTEMPTS) {
      return false;
    }
    lease.release();
    currentLink.remove(this);
    // On false the caller fails the exchange; the released lease stays released.
    return relay.dispatch(this, why);
  }

  /** The client went away: tell the connector to stop, at once. */
  synchronized void clientGone() {
    if (finished) {
      return;
    }
    try {
      relay.cancel(this, link(), "client disconnected");
    } finally {
      finish(499, "client_closed");
    }
  }

  /** Called by the relay's timer: keep-alives and the upstream timeout. */
  synchronized void tick(long now, long timeoutNanos, long keepaliveNanos) {
    if (finished) {
      return;
    }
    try {
      if (now - lastFrameNanos > timeoutNanos) {
        ApiError error = ApiError.upstreamTimeout("No answer from the upstream in time");
        try {
          relay.cancel(this, link(), "upstream timeout");
          sink.fail(error, headSeen);
        } finally {
          finish(504, error.code());
        }
        return;
      }
      if (now - lastWriteNanos >= keepaliveNanos) {
        lastWriteNanos = now;
        sink.keepAlive();
      }
    } catch (RuntimeException e) {
      abandon(e);
    }
  }

  /** Ends the exchange without a connector ever having been chosen or after all failed. */
  synchronized void failNow(ApiError error) {
    if (finished) {
      return;
    }
    try {
      sink.fail(error, headSeen);
    } finally {
      finish(error.status(), error.code());
    }
  }

  /**
   * A bug or a broken client connection surfaced as an exception: end the exchange anyway, so
   * the connector stops and the in-flight count comes back down.
   */
  private void abandon(RuntimeException e) {
    if (finished) {
      return;
    }
    relay.abandoned(this, e);
    try {
      relay.cancel(this, link(), "broker error");
    } finally {
      finish(500, "internal_error");
    }
  }

  private void finish(int finalStatus, String errorCode) {
    finished = true;
    ConnectorLink link = link();
    if (lease != null) {
      lease.release();
    }
    if (link != null) {
      link.remove(this);
    }
    relay.finished(this, link, finalStatus, errorCode);
  }
}
