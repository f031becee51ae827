package io.remotellm.broker.cluster;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.logging.AccessLog;
import io.remotellm.broker.logging.LogFields;
import io.remotellm.broker.relay.RelayRequest;
import io.remotellm.broker.relay.ResponseSink;
import io.remotellm.broker.usage.TokenUsage;
import io.remotellm.broker.usage.UsageListeners;
import io.remotellm.broker.usage.UsageRecorded;
import jakarta.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One forwarded request on the forwarding broker: replays the serving broker's {@link SinkEvents}
 * on the client's sink, asking for the next line only after the previous one was handed on (the
 * other broker's writes wait on TCP meanwhile), cancels the call when the client goes, and, once,
 * writes the access line and counts the usage here, where the request was admitted: as the other
 * broker reported it, or, if that broker vanished or the client left first, as seen from here.
 */
final class ForwardedCall implements Flow.Subscriber<String> {
  private static final Logger LOG = Logger.getLogger(ForwardedCall.class.getName());

  private final RelayRequest request;
  private final ResponseSink sink;
  private final AccessLog access;
  private final ClusterView.Target target;
  private final UsageListeners usageListeners;
  private final Instant started = Instant.now();
  private final long startNanos = System.nanoTime();

  private Flow.Subscription subscription;
  private CompletableFuture<?> call;
  private boolean headSeen;
  private boolean ended;

  /** The answer's end or error, held until its usage is counted (see Exchange.Finish). */
  private Runnable lastWrite;

  private boolean counted;
  private boolean clientGone;
  private Runnable cancelOnLink;
  private String via = "http";

  ForwardedCall(
      RelayRequest request,
      ResponseSink sink,
      AccessLog access,
      ClusterView.Target target,
      UsageListeners usageListeners) {
    this.request = request;
    this.sink = sink;
    this.access = access;
    this.target = target;
    this.usageListeners = usageListeners;
  }

  synchronized void started(CompletableFuture<? extends HttpResponse<?>> call) {
    this.call = call;
    call.whenComplete((response, error) -> completed(error));
    if (clientGone) {
      call.cancel(true);
    }
  }

  /**
   * Sent over a peer link instead of an HTTP call: {@code cancel} tells the serving broker when the
   * client goes; the answer's lines come through {@link #onNext}, its end through {@link
   * #onComplete} or {@link #onError}.
   */
  synchronized void onLink(Runnable cancel) {
    via = "link";
    cancelOnLink = cancel;
  }

  /** The other broker answered with an error status (it refused the signature, or no such path). */
  HttpResponse.BodySubscriber<Void> refusedWith(int status) {
    LOG.log(
        Level.WARNING,
        "cluster: broker {0} refused forwarded request {1} with HTTP {2}",
        new Object[] {target.url(), request.requestId(), status});
    return HttpResponse.BodySubscribers.replacing(null);
  }

  @Override
  public synchronized void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    if (clientGone) {
      subscription.cancel();
    } else {
      subscription.request(1);
    }
  }

  @Override
  public void onNext(String line) {
    Flow.Subscription next;
    synchronized (this) {
      if (clientGone || line.isBlank()) {
        next = clientGone ? null : subscription;
      } else {
        replay(SinkEvents.parse(line));
        next = subscription;
      }
    }
    if (next != null) {
      next.request(1);
    }
  }

  private void replay(JsonObject event) {
    switch (event.getString("t")) {
      case "head" -> {
        headSeen = true;
        sink.head(event.getInt("status"), SinkEvents.headers(event));
      }
      case "data" -> {
        String name = event.containsKey("event") ? event.getString("event") : null;
        sink.data(name, event.getString("payload"));
      }
      case "keepalive" -> sink.keepAlive();
      case "end" -> {
        ended = true;
        lastWrite = sink::end;
      }
      case "fail" -> {
        ended = true;
        ApiError error = SinkEvents.error(event);
        boolean afterHead = event.getBoolean("after_head", headSeen);
        lastWrite = () -> sink.fail(error, afterHead);
      }
      case "usage" -> {
        Duration ttft =
            event.containsKey("ttft_ms")
                ? Duration.ofMillis(event.getJsonNumber("ttft_ms").longValue())
                : null;
        count(
            event.getInt("status"),
            event.getBoolean("cancelled", false),
            event.getString("connector", ""),
            SinkEvents.tokens(event),
            ttft,
            null);
        tellClient();
      }
      default -> LOG.log(Level.FINE, "cluster: unknown event {0}", event.getString("t"));
    }
  }

  @Override
  public void onError(Throwable error) {
    completed(error);
  }

  @Override
  public void onComplete() {
    completed(null);
  }

  /** The call is over: whatever the other broker did not finish is finished here. */
  private synchronized void completed(Throwable error) {
    if (clientGone) {
      count(499, true, null, TokenUsage.UNKNOWN, null, "client_closed");
      return;
    }
    if (!ended) {
      ended = true;
      String why =
          error == null
              ? "The broker serving this model ended the answer early"
              : "The broker serving this model could not be reached or went away";
      if (error != null) {
        LOG.log(
            Level.WARNING,
            "cluster: forwarded request {0} to {1} failed: {2}",
            new Object[] {request.requestId(), target.url(), error.toString()});
      }
      ApiError failed = ApiError.upstream(why);
      boolean afterHead = headSeen;
      lastWrite = () -> sink.fail(failed, afterHead);
    }
    count(502, false, null, TokenUsage.UNKNOWN, null, "upstream_error");
    tellClient();
  }

  /** Writes the held end or error once; a client gone by now changes nothing here. */
  private void tellClient() {
    Runnable write = lastWrite;
    lastWrite = null;
    if (write != null) {
      try {
        write.run();
      } catch (RuntimeException e) {
        // The client connection is broken, so the end cannot reach it; the call is over anyway.
      }
    }
  }

  /** The client went away: the forwarded call is closed, so the other broker cancels too. */
  void clientGone() {
    CompletableFuture<?> running;
    Flow.Subscription sub;
    Runnable cancel;
    synchronized (this) {
      if (clientGone || counted) {
        return;
      }
      clientGone = true;
      running = call;
      sub = subscription;
      cancel = cancelOnLink;
    }
    if (cancel != null) {
      cancel.run();
    }
    if (sub != null) {
      sub.cancel();
    }
    if (running != null) {
      running.cancel(true);
    }
    completed(null);
  }

  private void count(
      int status,
      boolean cancelled,
      String remoteConnector,
      TokenUsage tokens,
      Duration ttft,
      String errorCode) {
    if (counted) {
      return;
    }
    counted = true;
    long nanos = System.nanoTime() - startNanos;
    String connector =
        remoteConnector == null || remoteConnector.isEmpty() ? null : remoteConnector;
    String where = connector == null ? null : connector + "@" + target.url();
    access.relayed(
        LogFields.of("request_id", request.requestId())
            .and("path", request.path())
            .and("model", request.model())
            .and("user", request.user())
            .and("cluster_broker", target.url())
            .and("cluster_via", via)
            .and("connector_id", connector),
        request.model(),
        where,
        null,
        status,
        TimeUnit.NANOSECONDS.toMillis(nanos),
        request.stream(),
        1,
        errorCode);
    usageListeners.recorded(
        new UsageRecorded(
            started,
            request.requestId(),
            request.user(),
            request.api().wireName(),
            request.path(),
            request.model(),
            connector,
            status,
            cancelled,
            request.stream(),
            tokens,
            ttft,
            Duration.ofNanos(nanos)));
  }
}
