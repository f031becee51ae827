package io.remotellm.broker.relay;

import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.logging.AccessLog;
import io.remotellm.broker.routing.Lease;
import io.remotellm.broker.usage.UsageListeners;
import io.remotellm.broker.usage.UsageRecorded;
import io.remotellm.protocol.Bounds;
import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.LlmApi;
import io.remotellm.protocol.Request;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Owns every relayed request from start to finish: gives it a relay id, picks a connector, sends
 * the {@code request} frame, hands the connector's answer frames to its {@link Exchange}, does what
 * the exchange's {@link Exchange.Step}s say (retry once elsewhere, cancel, finish), runs the timer
 * (keep-alives, upstream timeout), drains on shutdown and tells each request's access log how it
 * ended. The requests in flight are in one map, here; nothing else holds them.
 */
@ApplicationScoped
public class Dispatcher {

  private static final Logger LOG = Logger.getLogger(Dispatcher.class.getName());
  private static final long TICK_MILLIS = 250;

  @Inject BrokerSettings settings;
  @Inject ConnectorLinkRouter router;
  @Inject UsageListeners usageListeners;
  @Inject RequestRoutes routes;
  @Inject RemoteBrokers remote = RemoteBrokers.NONE;

  @Resource ManagedScheduledExecutorService scheduler;

  /** Relay id → the exchange: every request in flight, and the only place that holds them. */
  private final ConcurrentMap<String, Exchange> exchanges = new ConcurrentHashMap<>();

  /**
   * Relay ids are this broker's own: a random prefix per start and a counter. The client's {@code
   * x-request-id} cannot be one, as two requests in flight may carry the same.
   */
  private final String idPrefix =
      HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + "-";

  private final AtomicLong nextId = new AtomicLong();
  private final Object drained = new Object();
  private final AtomicBoolean drainStarted = new AtomicBoolean();
  private volatile boolean draining;
  private FrameCodec codec;
  private ScheduledFuture<?> ticker;

  @PostConstruct
  void init() {
    codec = new FrameCodec();
  }

  /** Starts the timer with the application rather than on the first request. */
  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    ticker =
        scheduler.scheduleWithFixedDelay(
            this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  public boolean draining() {
    return draining;
  }

  /** How many requests are in flight. */
  public int inFlight() {
    return exchanges.size();
  }

  /**
   * Sends a client request on its way. Throws {@link ApiException} (404) when no connector serves
   * the model through the request's API (or holds the response it names), before anything is
   * written to the client; everything later goes to {@code sink}, and how it ended to {@code
   * access} when it is over.
   */
  public void start(RelayRequest request, ResponseSink sink, AccessLog access) {
    start(request, sink, access, true);
  }

  /**
   * A request another broker of the cluster forwarded here: served by a connector of this broker or
   * refused, never forwarded again (a cluster whose views disagree for a moment must not send a
   * request round in circles).
   */
  public void startForwarded(RelayRequest request, ResponseSink sink, AccessLog access) {
    start(request, sink, access, false);
  }

  private void start(
      RelayRequest request, ResponseSink sink, AccessLog access, boolean mayForward) {
    if (draining) {
      throw new ApiException(ApiError.unavailable("The broker is shutting down"));
    }
    Exchange exchange =
        new Exchange(idPrefix + Long.toString(nextId.incrementAndGet(), 36), request, sink, access);
    Optional<Lease<ConnectorLink>> lease = routes.acquire(request, Set.of());
    if (lease.isEmpty()) {
      if (mayForward
          && (request.responseId() != null
              ? StoredResponseForwarding.forward(remote, routes, request, sink, access)
              : remote.forward(request, sink, access))) {
        return;
      }
      throw new ApiException(routes.notRoutable(request));
    }
    exchanges.put(exchange.relayId(), exchange);
    sink.onClientGone(() -> apply(exchange, exchange.clientGone()));
    try {
      send(exchange, lease.get(), null);
    } catch (RuntimeException e) {
      // A bug before the request left: the caller answers the client with the error, and the
      // exchange must not stay in flight holding its connector.
      exchanges.remove(exchange.relayId(), exchange);
      lease.get().release();
      throw e;
    }
  }

  /** An answer frame from {@code link}; its exchange ignores it unless {@code link} is its own. */
  void onAnswer(ConnectorLink link, Frame.Answer answer) {
    Exchange exchange = exchanges.get(answer.id());
    if (exchange == null) {
      LOG.log(
          Level.FINE,
          "connector {0}: frame for unknown or finished request {1}",
          new Object[] {link.id(), Bounds.forLog(answer.id())});
      return;
    }
    if (answer instanceof Data data) {
      // Before the answer reaches the client, which may ask for a created response right after.
      routes.answered(exchange, link, data);
    }
    apply(exchange, exchange.onAnswer(link, answer));
  }

  /** {@code link} is gone: its requests go elsewhere if nothing was answered yet, or fail. */
  void connectorLost(ConnectorLink link) {
    for (Exchange exchange : exchanges.values()) {
      if (exchange.link() == link) {
        apply(exchange, exchange.connectorLost(link));
      }
    }
  }

  /** Sends one attempt of {@code exchange} to the connector of {@code lease}. */
  private void send(Exchange exchange, Lease<ConnectorLink> lease, String retryReason) {
    if (!exchange.attach(lease)) {
      lease.release(); // the client went away meanwhile
      return;
    }
    RelayRequest request = exchange.request();
    ConnectorLink link = lease.route();
    if (retryReason != null) {
      ExchangeLog.retried(exchange, link, retryReason);
    }
    Map<String, String> headers = new HashMap<>(request.headers());
    headers.put("content-type", "application/json");
    // The client's correlation id goes on to the LLM; the relay id only names the frames.
    headers.put("x-request-id", request.requestId());
    // The LLM key of this connector's token, and only this connector's: never the client's key.
    // Always as authorization: the connector passes it on the way the request's API expects.
    link.llmApiKey().ifPresent(key -> headers.put("authorization", "Bearer " + key));
    String frame =
        codec.encode(
            new Request(
                exchange.relayId(),
                request.method(),
                request.path(),
                headers,
                exchange.upstreamBody(),
                request.stream(),
                // An older connector never gets another family's call, so it needs no name.
                request.api() == LlmApi.OPENAI ? null : request.api().wireName(),
                request.query()));
    link.send(frame)
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                ExchangeLog.sendFailed(exchange, link, error);
                apply(exchange, exchange.connectorLost(link));
              }
            });
    ExchangeLog.sent(exchange, link);
  }

  /** Does what the exchange said. */
  private void apply(Exchange exchange, Exchange.Step step) {
    if (step instanceof Exchange.Retry retry) {
      retry.givenUp().release();
      Optional<Lease<ConnectorLink>> next = routes.acquire(exchange.request(), exchange.tried());
      if (next.isPresent()) {
        send(exchange, next.get(), retry.reason());
      } else {
        apply(exchange, exchange.failNow(retry.ifNoOther()));
      }
    } else if (step instanceof Exchange.Finish finish) {
      finish(exchange, finish);
    }
  }

  private void finish(Exchange exchange, Exchange.Finish finish) {
    ConnectorLink link = finish.lease() == null ? null : finish.lease().route();
    try {
      if (finish.bug() != null) {
        ExchangeLog.abandoned(exchange, link, finish.bug());
      }
      if (finish.cancelReason() != null) {
        cancel(exchange, link, finish.cancelReason());
      }
    } finally {
      if (finish.lease() != null) {
        finish.lease().release();
      }
      exchanges.remove(exchange.relayId(), exchange);
      if (draining) {
        synchronized (drained) {
          drained.notifyAll();
        }
      }
    }
    ResponseSink sink = exchange.sink();
    if (sink.forwardsUsage()) {
      // A forwarded request's usage is counted once, by the broker that admitted it, which reads
      // it after the answer.
      finish.tellClient();
      sink.forwardUsage(usage(exchange, finish));
    } else {
      try {
        // Counted (and the slot freed) before the client can see the end: see Exchange.Finish.
        usageListeners.recorded(usage(exchange, finish));
      } finally {
        // Whatever the counting did, the client is never left waiting for its answer's end.
        finish.tellClient();
      }
    }
    ExchangeLog.finished(exchange, finish.status(), finish.errorCode());
  }

  /** What the finished exchange used, for the limiter, the metrics and the ledger. */
  private static UsageRecorded usage(Exchange exchange, Exchange.Finish finish) {
    RelayRequest r = exchange.request();
    ConnectorLink last = exchange.lastLink();
    long now = System.nanoTime();
    long duration = now - exchange.startNanos();
    long first = exchange.firstDataNanos();
    return new UsageRecorded(
        Instant.now().minusNanos(duration),
        r.requestId(),
        r.user(),
        r.api().wireName(),
        r.path(),
        r.model(),
        last == null ? null : last.id(),
        finish.status(),
        "client_closed".equals(finish.errorCode()),
        r.stream(),
        exchange.tokenUsage(),
        first == 0 ? null : Duration.ofNanos(first - exchange.startNanos()),
        Duration.ofNanos(duration));
  }

  private void cancel(Exchange exchange, ConnectorLink link, String reason) {
    if (link == null || !link.isOpen()) {
      return;
    }
    link.send(codec.encode(new Cancel(exchange.relayId(), reason)));
    ExchangeLog.cancelSent(exchange, link, reason);
  }

  // ---- timer ---------------------------------------------------------------------------

  private void tick() {
    tick(System.nanoTime());
  }

  /** One timer round at {@code now}; package-private so tests can move the clock. */
  void tick(long now) {
    try {
      long timeout = settings.upstreamTimeout().toNanos();
      long keepalive = settings.keepalive().toNanos();
      for (Exchange exchange : exchanges.values()) {
        apply(exchange, exchange.tick(now, timeout, keepalive));
      }
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again; log and keep ticking.
      LOG.log(Level.WARNING, "relay timer failed", e);
    }
  }

  // ---- shutdown ------------------------------------------------------------------------

  /**
   * New requests get 503 from now on; requests in flight get up to drain-seconds to finish; then
   * every connector is closed with 1001 (going away), to reconnect elsewhere or later. Only the
   * first call waits. {@link RelayDrainServlet} calls it as the web module stops, while the streams
   * can still be written; {@link #stop()} calls it again for servers that never did.
   */
  public void drain() {
    draining = true;
    if (!drainStarted.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + settings.drain().toNanos();
    if (!exchanges.isEmpty()) {
      LOG.log(
          Level.INFO,
          "Shutting down: {0} request(s) in flight get up to {1} s to finish",
          new Object[] {exchanges.size(), settings.drain().toSeconds()});
    }
    synchronized (drained) {
      while (!exchanges.isEmpty() && System.nanoTime() < deadline) {
        try {
          drained.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    // The connectors' sockets are the registry's, but the router knows them all; closing them
    // here keeps the drain's order (requests first, then sockets) in one method.
    for (ConnectorLink link : router.routes()) {
      link.socket().close(1001, "broker shutting down");
    }
    LOG.log(
        Level.INFO,
        "Relay drained: connectors closed (1001), {0} request(s) still in flight",
        exchanges.size());
  }

  @PreDestroy
  void stop() {
    drain();
    if (ticker != null) {
      ticker.cancel(false);
    }
    codec.close();
    LOG.info("Relay stopped");
  }
}
