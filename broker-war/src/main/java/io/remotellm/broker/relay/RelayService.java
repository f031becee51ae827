package io.remotellm.broker.relay;

import io.remotellm.broker.auth.ConnectorCredential;
import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.logging.LogFields;
import io.remotellm.broker.routing.Lease;
import io.remotellm.protocol.Batch;
import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.Hello;
import io.remotellm.protocol.ModelsChanged;
import io.remotellm.protocol.ProtocolException;
import io.remotellm.protocol.Request;
import io.remotellm.protocol.UnknownFrameTypeException;
import io.remotellm.protocol.Welcome;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Carries requests to connectors and answers back: picks a connector, sends the {@code request}
 * frame, routes the connector's frames to the waiting exchange, retries once when a connector
 * drops before answering, and runs the timers (keep-alives, upstream timeout, heartbeats).
 */
@ApplicationScoped
public class RelayService {

  private static final Logger LOG = Logger.getLogger(RelayService.class.getName());
  private static final Logger ACCESS = Logger.getLogger("io.remotellm.broker.access");
  private static final long TICK_MILLIS = 250;

  @Inject BrokerSettings settings;
  @Inject ConnectorLinkRouter router;
  @Inject Credentials credentials;

  @Resource ManagedScheduledExecutorService scheduler;

  private final ConcurrentMap<String, Exchange> active = new ConcurrentHashMap<>();
  private final Instant started = Instant.now();
  private FrameCodec codec;
  private volatile boolean draining;
  private final AtomicBoolean drainStarted = new AtomicBoolean();
  private ScheduledFuture<?> ticker;
  private ScheduledFuture<?> heartbeat;

  @PostConstruct
  void init() {
    codec = new FrameCodec();
  }

  /** Starts the timers with the application rather than on the first request. */
  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    ticker =
        scheduler.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    int hb = settings.heartbeatSeconds();
    heartbeat = scheduler.scheduleWithFixedDelay(this::heartbeat, hb, hb, TimeUnit.SECONDS);
    LOG.info("Relay ready: connectors attach at /ws");
  }

  public Instant started() {
    return started;
  }

  public boolean draining() {
    return draining;
  }

  public ConnectorLinkRouter router() {
    return router;
  }

  // ---- requests -------------------------------------------------------------------------

  /**
   * Sends a client request on its way. Throws {@link ApiException} (404) when no connector serves
   * the model, before anything is written to the client; everything later goes to {@code sink}.
   */
  public void start(RelayRequest request, ResponseSink sink) {
    if (draining) {
      throw new ApiException(ApiError.unavailable("The broker is shutting down"));
    }
    Exchange exchange = new Exchange(this, request, sink);
    if (active.putIfAbsent(request.requestId(), exchange) != null) {
      // Two requests in flight with the same client-chosen id would cross their answers.
      throw new ApiException(
          ApiError.invalidRequest("A request with this x-request-id is already in flight", null));
    }
    sink.onClientGone(exchange::clientGone);
    synchronized (exchange) {
      if (!dispatch(exchange, null)) {
        active.remove(request.requestId(), exchange);
        throw new ApiException(ApiError.modelNotFound(request.model()));
      }
    }
  }

  /** Sends one attempt of {@code exchange}; false if no (other) connector serves the model. */
  boolean dispatch(Exchange exchange, String retryReason) {
    RelayRequest request = exchange.request();
    Optional<Lease<ConnectorLink>> lease = router.acquire(request.model(), exchange.tried());
    if (lease.isEmpty()) {
      return false;
    }
    ConnectorLink link = lease.get().route();
    exchange.attach(lease.get());
    link.add(exchange);
    if (retryReason != null) {
      fields(request, link)
          .and("reason", retryReason)
          .log(
              LOG,
              Level.INFO,
              "request {0} retried on connector {1} ({2}): {3}",
              request.requestId(),
              link.id(),
              link.fingerprint(),
              retryReason);
    }
    Map<String, String> headers = new HashMap<>();
    headers.put("content-type", "application/json");
    headers.put("x-request-id", request.requestId());
    // The LLM key of this connector's token, and only this connector's: never the client's key.
    link.llmApiKey().ifPresent(key -> headers.put("authorization", "Bearer " + key));
    String frame =
        codec.encode(
            new Request(
                request.requestId(), "POST", request.path(), headers, request.body(), request.stream()));
    link.send(frame)
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                fields(request, link)
                    .log(
                        LOG,
                        Level.WARNING,
                        "request {0}: sending to connector {1} failed: {2}",
                        request.requestId(),
                        link.id(),
                        error.toString());
                exchange.connectorLost(link);
              }
            });
    fields(request, link)
        .log(LOG, Level.FINE, "request {0} sent to connector {1}", request.requestId(), link.id());
    return true;
  }

  void cancel(Exchange exchange, ConnectorLink link, String reason) {
    if (link == null || !link.isOpen()) {
      return;
    }
    link.send(codec.encode(new Cancel(exchange.requestId(), reason)));
    fields(exchange.request(), link)
        .and("reason", reason)
        .log(
            LOG,
            Level.INFO,
            "request {0}: cancel sent to connector {1} ({2})",
            exchange.requestId(),
            link.id(),
            reason);
  }

  void abandoned(Exchange exchange, RuntimeException e) {
    fields(exchange.request(), exchange.link())
        .log(LOG, Level.WARNING, e, "request {0} abandoned after an error", exchange.requestId());
  }

  /** The one access-log line per request. */
  void finished(Exchange exchange, ConnectorLink link, int status, String errorCode) {
    active.remove(exchange.requestId(), exchange);
    RelayRequest r = exchange.request();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exchange.startNanos());
    fields(r, link)
        .and("status", status)
        .and("duration_ms", millis)
        .and("streamed", r.stream())
        .and("attempts", exchange.tried().size())
        .and("error_code", errorCode)
        .log(
            ACCESS,
            Level.INFO,
            "request {0} model={1} connector={2} fingerprint={3} status={4} durationMs={5}"
                + " streamed={6} attempts={7} error={8}",
            r.requestId(),
            r.model(),
            link == null ? "-" : link.id(),
            link == null ? "-" : link.fingerprint(),
            String.valueOf(status),
            String.valueOf(millis),
            r.stream(),
            exchange.tried().size(),
            errorCode == null ? "-" : errorCode);
  }

  /** The fields every log record about a request carries; the connector's when there is one. */
  private static LogFields fields(RelayRequest request, ConnectorLink link) {
    return LogFields.of("request_id", request.requestId())
        .and("endpoint", request.path())
        .and("model", request.model())
        .and("connector_id", link == null ? null : link.id())
        .and("token_fp", link == null ? null : link.fingerprint());
  }

  // ---- connector frames ----------------------------------------------------------------

  /** A text frame from a connector. Bad frames are logged and skipped, not fatal to the link. */
  void onText(ConnectorLink link, String text) {
    link.heard();
    Frame frame;
    try {
      frame = codec.decode(text);
    } catch (UnknownFrameTypeException e) {
      LOG.log(Level.FINE, "connector {0}: ignoring {1}", new Object[] {link.id(), e.getMessage()});
      return;
    } catch (ProtocolException e) {
      // Once per link at WARNING: a broken or hostile connector must not flood the log.
      int count = link.invalidFrame();
      LOG.log(
          count == 1 ? Level.WARNING : Level.FINE,
          "connector {0}: {1} (frame ignored; further invalid frames of this connector are logged at FINE)",
          new Object[] {link.id(), e.getMessage()});
      return;
    }
    if (frame instanceof Batch batch) {
      for (Frame each : batch.frames()) {
        onFrame(link, each);
      }
    } else {
      onFrame(link, frame);
    }
  }

  private void onFrame(ConnectorLink link, Frame frame) {
    if (frame instanceof Hello hello) {
      onHello(link, hello);
    } else if (frame instanceof ModelsChanged changed) {
      link.models(changed.models());
      LOG.log(
          Level.INFO,
          "connector {0} ({1}) now serves {2}",
          new Object[] {link.id(), link.fingerprint(), link.models()});
    } else if (frame instanceof Frame.Answer answer) {
      Exchange exchange = link.pending(answer.id());
      if (exchange == null) {
        LOG.log(
            Level.FINE,
            "connector {0}: frame for unknown or finished request {1}",
            new Object[] {link.id(), answer.id()});
        return;
      }
      exchange.onAnswer(link, answer);
    } else {
      LOG.log(Level.FINE, "connector {0}: ignoring a broker-side frame", link.id());
    }
  }

  private void onHello(ConnectorLink link, Hello hello) {
    if (!stillGranted(link)) {
      return;
    }
    // A newer connector speaks our highest version too; an older one is served in its own.
    int protocol = Math.min(hello.protocol(), Frame.PROTOCOL_VERSION);
    link.socket().batching(protocol >= Frame.BATCH_PROTOCOL);
    link.hello(hello.connector(), hello.capacity());
    link.models(hello.models());
    // Welcome first, then routable: a request dispatched in between would otherwise reach the
    // connector before its welcome, and the connector drops requests that come before welcome
    // (seen in the soak run: requests to a connector that had just attached timed out with 504).
    link.send(codec.encode(new Welcome(link.id(), settings.heartbeatSeconds(), protocol)));
    router.attach(link);
    // Checked again once routable: a reload that revoked the token between the check above and
    // attach did not see this link among the routes, but its new tokens are seen here.
    if (!stillGranted(link)) {
      return;
    }
    LOG.log(
        Level.INFO,
        "connector {0} attached: token {1}, {2}, capacity {3}, protocol {4}, models {5}",
        new Object[] {
          link.id(), link.fingerprint(), hello.connector(), hello.capacity(), protocol, link.models()
        });
  }

  // ---- connector tokens reloaded ----------------------------------------------------------

  /**
   * After the connector tokens were reloaded: a connector whose token was removed is closed with
   * 1008 (its requests in flight are retried elsewhere or fail, as when it drops), the others
   * take their token's current LLM key for their next requests.
   */
  public void recheckCredentials() {
    for (ConnectorLink link : router.routes()) {
      stillGranted(link);
    }
  }

  /** False, and the link closed, when its token is no longer in force. */
  private boolean stillGranted(ConnectorLink link) {
    Optional<ConnectorCredential> current = credentials.current(link.credential());
    if (current.isPresent()) {
      link.credential(current.get());
      return true;
    }
    LOG.log(
        Level.WARNING,
        "connector {0} ({1}) closed: its token was removed from the connector config",
        new Object[] {link.id(), link.fingerprint()});
    link.socket().close(1008, "connector token revoked");
    onClosed(link, "token revoked");
    return false;
  }

  /** The socket closed or failed: forget the link, and fail or retry what was waiting on it. */
  void onClosed(ConnectorLink link, String why) {
    boolean wasOpen = link.isOpen();
    link.markClosed();
    router.detach(link);
    if (wasOpen) {
      LOG.log(
          Level.INFO,
          "connector {0} ({1}) detached: {2}",
          new Object[] {link.id(), link.fingerprint(), why});
    }
    for (Exchange exchange : link.pendingExchanges()) {
      exchange.connectorLost(link);
    }
  }

  // ---- timers --------------------------------------------------------------------------

  private void tick() {
    tick(System.nanoTime());
  }

  /** One timer round at {@code now}; package-private so tests can move the clock. */
  void tick(long now) {
    try {
      long timeout = settings.upstreamTimeout().toNanos();
      long keepalive = settings.keepalive().toNanos();
      for (Exchange exchange : active.values()) {
        exchange.tick(now, timeout, keepalive);
      }
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again; log and keep ticking.
      LOG.log(Level.WARNING, "relay timer failed", e);
    }
  }

  private void heartbeat() {
    heartbeat(System.nanoTime());
  }

  /** One heartbeat round at {@code now}; package-private so tests can move the clock. */
  void heartbeat(long now) {
    try {
      // Three missed heartbeats: long enough for a busy connector, short enough to fail over.
      long silentLimit = TimeUnit.SECONDS.toNanos(3L * settings.heartbeatSeconds());
      for (ConnectorLink link : router.routes()) {
        if (now - link.lastHeardNanos() > silentLimit) {
          LOG.log(
              Level.WARNING,
              "connector {0} ({1}) silent for {2} heartbeats: dropping it",
              new Object[] {link.id(), link.fingerprint(), 3});
          link.socket().close(1001, "heartbeat missed");
          onClosed(link, "heartbeat missed");
        } else {
          link.socket().ping();
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "heartbeat failed", e);
    }
  }

  // ---- shutdown ------------------------------------------------------------------------

  /**
   * New requests get 503 from now on; requests in flight get up to drain-seconds to finish; then
   * every connector is closed with 1001 (going away), to reconnect elsewhere or later. Only the
   * first call waits. {@link RelayDrainServlet} calls it as the web module stops, while the
   * streams can still be written; {@link #stop()} calls it again for servers that never did.
   */
  public void drain() {
    draining = true;
    if (!drainStarted.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + settings.drain().toNanos();
    if (!active.isEmpty()) {
      LOG.log(
          Level.INFO,
          "Shutting down: {0} request(s) in flight get up to {1} s to finish",
          new Object[] {active.size(), settings.drain().toSeconds()});
    }
    synchronized (this) {
      while (!active.isEmpty() && System.nanoTime() < deadline) {
        try {
          wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    for (ConnectorLink link : router.routes()) {
      link.socket().close(1001, "broker shutting down");
    }
    LOG.log(
        Level.INFO,
        "Relay drained: connectors closed (1001), {0} request(s) still in flight",
        active.size());
  }

  @PreDestroy
  void stop() {
    drain();
    if (ticker != null) {
      ticker.cancel(false);
    }
    if (heartbeat != null) {
      heartbeat.cancel(false);
    }
    codec.close();
    LOG.info("Relay stopped");
  }
}
