package io.remotellm.broker.relay;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.logging.AccessLog;
import io.remotellm.broker.routing.Lease;
import io.remotellm.broker.usage.EndFrameUsage;
import io.remotellm.broker.usage.StreamUsageOption;
import io.remotellm.broker.usage.TokenUsage;
import io.remotellm.broker.usage.UsageMeter;
import io.remotellm.broker.usage.UsageScanners;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Head;
import jakarta.json.JsonObject;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One client request on its way through a connector and back, as a state machine. It writes the
 * answer to its {@link ResponseSink} and answers each event (a frame, a lost connector, a gone
 * client, a timer round) with a {@link Step}: what the {@link Dispatcher} must do next. It never
 * calls the dispatcher, so the calls go one way. Events come from different threads; the methods
 * are synchronised, so exactly one event finishes the exchange.
 */
final class Exchange {

  static final int MAX_ATTEMPTS = 2;

  /** What the dispatcher does after an event. */
  sealed interface Step {}

  /** Nothing to do. */
  record Continue() implements Step {}

  /**
   * Try another connector: release {@code givenUp} (the attempt that failed before any answer),
   * pick another, and if there is none end the exchange with {@code ifNoOther}.
   */
  record Retry(Lease<ConnectorLink> givenUp, String reason, ApiError ifNoOther) implements Step {}

  /**
   * The exchange is over: release {@code lease} (null if no connector was ever chosen), tell its
   * connector to stop if {@code cancelReason} is set, count its usage, then make {@code lastWrite}
   * (the answer's end or error, null if the client gets nothing more) and log the access line;
   * {@code bug}, if set, is the exception that made the exchange give up.
   *
   * <p>The last write waits for the dispatcher so that the user's concurrency slot is free before
   * the client can see the answer end: a client that sends its next request at once must not be
   * refused as over {@code max_concurrent} by its own finished one.
   */
  record Finish(
      Lease<ConnectorLink> lease,
      int status,
      String errorCode,
      String cancelReason,
      RuntimeException bug,
      Runnable lastWrite)
      implements Step {

    /** Writes the answer's end or error; a client gone by now changes nothing for the relay. */
    void tellClient() {
      if (lastWrite == null) {
        return;
      }
      try {
        lastWrite.run();
      } catch (RuntimeException e) {
        // The client connection is broken, so the end cannot reach it; the exchange is over anyway.
      }
    }
  }

  static final Step CONTINUE = new Continue();

  private final String relayId;
  private final RelayRequest request;
  private final ResponseSink sink;
  private final AccessLog access;
  private final long startNanos = System.nanoTime();
  private final Set<String> tried = new HashSet<>();

  /** The current attempt's connector; null between a given-up attempt and the next. */
  private Lease<ConnectorLink> lease;

  /** The last connector tried, for the access line. */
  private ConnectorLink lastLink;

  private final StreamUsageOption.Prepared upstream;
  private final UsageMeter meter;

  private boolean headSeen;
  private boolean ended;
  private boolean finished;
  private boolean responseIdLooked;
  private int status = 200;
  private long firstDataNanos;
  private JsonObject usage;
  private long lastFrameNanos = startNanos;
  private long lastWriteNanos = startNanos;

  Exchange(String relayId, RelayRequest request, ResponseSink sink, AccessLog access) {
    this.relayId = relayId;
    this.request = request;
    this.sink = sink;
    this.access = access;
    this.upstream = StreamUsageOption.prepare(request.path(), request.stream(), request.body());
    this.meter =
        new UsageMeter(
            UsageScanners.forApi(request.api(), upstream.added()),
            sink.streaming(),
            request.body().length());
  }

  /** The body as it goes to the LLM: the client's, asking for a stream's usage if it did not. */
  String upstreamBody() {
    return upstream.body();
  }

  /**
   * What the answer used: read from it by its API family's scanner, else the {@code usage} the
   * connector sent with {@code end}, else the broker's estimate.
   */
  synchronized TokenUsage tokenUsage() {
    TokenUsage measured = meter.usage(!ended);
    if (measured.estimated() && usage != null) {
      TokenUsage fromEnd = EndFrameUsage.read(usage);
      if (!fromEnd.estimated()) {
        return fromEnd;
      }
    }
    return measured;
  }

  /** Where the request's one access-log line is written when it is over. */
  ResponseSink sink() {
    return sink;
  }

  AccessLog access() {
    return access;
  }

  /** The id of this request on the relay (the {@code id} of its frames), made by the broker. */
  String relayId() {
    return relayId;
  }

  RelayRequest request() {
    return request;
  }

  long startNanos() {
    return startNanos;
  }

  /** When the first answer byte came from the connector (System.nanoTime), or 0 if none did. */
  synchronized long firstDataNanos() {
    return firstDataNanos;
  }

  /** The {@code usage} the connector sent with {@code end}, or null. */
  synchronized JsonObject usage() {
    return usage;
  }

  /** The connector of the current attempt, or null. */
  synchronized ConnectorLink link() {
    return lease == null ? null : lease.route();
  }

  /** The connector of the last attempt, or null if none was ever chosen. */
  synchronized ConnectorLink lastLink() {
    return lastLink;
  }

  /** The ids of the connectors tried so far, to leave out when picking the next. */
  synchronized Set<String> tried() {
    return Set.copyOf(tried);
  }

  synchronized int attempts() {
    return tried.size();
  }

  /** The dispatcher chose a connector for the next attempt; false if the exchange is over. */
  synchronized boolean attach(Lease<ConnectorLink> chosen) {
    if (finished) {
      return false;
    }
    lease = chosen;
    lastLink = chosen.route();
    tried.add(chosen.route().id());
    lastFrameNanos = System.nanoTime();
    return true;
  }

  synchronized Step onAnswer(ConnectorLink from, Frame.Answer frame) {
    if (finished || from != link()) {
      return CONTINUE; // a late frame from an attempt we gave up on, or after a cancel
    }
    try {
      return answer(frame);
    } catch (RuntimeException e) {
      return abandon(e);
    }
  }

  private Step answer(Frame.Answer frame) {
    lastFrameNanos = System.nanoTime();
    if (frame instanceof Head h) {
      headSeen = true;
      status = h.status();
      meter.head(h.status());
      sink.head(h.status(), h.headers());
      lastWriteNanos = System.nanoTime();
    } else if (frame instanceof Data d) {
      if (!headSeen) {
        // A connector that skips head still answered: treat it as a 200.
        headSeen = true;
        sink.head(200, Map.of());
      }
      if (firstDataNanos == 0) {
        firstDataNanos = System.nanoTime();
      }
      if (meter.data(d.data())) {
        sink.data(d.event(), d.data());
      }
      lastWriteNanos = System.nanoTime();
    } else if (frame instanceof End end) {
      usage = end.usage();
      if (firstDataNanos == 0) {
        firstDataNanos = System.nanoTime();
      }
      if (!headSeen) {
        headSeen = true;
        sink.head(200, Map.of());
      }
      finished = true;
      ended = true;
      return new Finish(lease, status, null, null, null, sink::end);
    } else if (frame instanceof Failure f) {
      if (!headSeen && f.status() == 503 && tried.size() < MAX_ATTEMPTS) {
        return giveUpAttempt(
            "connector at capacity", ApiError.fromConnector(f.status(), f.code(), f.message()));
      }
      ApiError error =
          headSeen
              ? ApiError.upstream("The upstream failed mid-answer: " + f.message())
              : ApiError.fromConnector(f.status(), f.code(), f.message());
      return fail(error, headSeen ? 502 : f.status(), null);
    }
    return CONTINUE;
  }

  /**
   * True once: for the first {@code data} frame of a successful answer from this attempt's
   * connector, where a created response's id is.
   */
  synchronized boolean firstSuccessfulData(ConnectorLink from) {
    if (responseIdLooked || finished || from != link() || !headSeen || status >= 400) {
      return false;
    }
    responseIdLooked = true;
    return true;
  }

  /** The connector this attempt went to dropped (socket closed, send failed, heartbeat missed). */
  synchronized Step connectorLost(ConnectorLink link) {
    if (finished || link != link()) {
      return CONTINUE;
    }
    ApiError error = ApiError.upstream("The connector disconnected before the answer was complete");
    if (!headSeen && tried.size() < MAX_ATTEMPTS) {
      return giveUpAttempt("connector dropped before answering", error);
    }
    return fail(error, 502, null);
  }

  /**
   * Lets go of the current attempt before anything was written to the client: frames that still
   * come from its connector are ignored from now on.
   */
  private Step giveUpAttempt(String reason, ApiError ifNoOther) {
    Lease<ConnectorLink> givenUp = lease;
    lease = null;
    return new Retry(givenUp, reason, ifNoOther);
  }

  /** The client went away: the connector must stop, at once. */
  synchronized Step clientGone() {
    if (finished) {
      return CONTINUE;
    }
    finished = true;
    return new Finish(lease, 499, "client_closed", "client disconnected", null, null);
  }

  /** A timer round at {@code now}: keep-alives and the upstream timeout. */
  synchronized Step tick(long now, long timeoutNanos, long keepaliveNanos) {
    if (finished) {
      return CONTINUE;
    }
    try {
      if (now - lastFrameNanos > timeoutNanos) {
        ApiError error = ApiError.upstreamTimeout("No answer from the upstream in time");
        return fail(error, 504, "upstream timeout");
      }
      if (now - lastWriteNanos >= keepaliveNanos) {
        lastWriteNanos = now;
        sink.keepAlive();
      }
      return CONTINUE;
    } catch (RuntimeException e) {
      return abandon(e);
    }
  }

  /** Ends the exchange with {@code error}: no (other) connector could be chosen. */
  synchronized Step failNow(ApiError error) {
    if (finished) {
      return CONTINUE;
    }
    return fail(error, error.status(), null);
  }

  /** Ends the exchange; the dispatcher tells the client, whether or not the sink can write. */
  private Step fail(ApiError error, int finalStatus, String cancelReason) {
    finished = true;
    boolean afterHead = headSeen;
    return new Finish(
        lease, finalStatus, error.code(), cancelReason, null, () -> sink.fail(error, afterHead));
  }

  /**
   * A bug or a broken client connection surfaced as an exception: end the exchange anyway, so the
   * connector stops and the in-flight count comes back down.
   */
  private Step abandon(RuntimeException bug) {
    finished = true;
    return new Finish(lease, 500, "internal_error", "broker error", bug, null);
  }
}
