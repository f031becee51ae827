package io.remotellm.connector.llm;

import static io.remotellm.connector.logging.JsonField.log;
import static io.remotellm.connector.logging.JsonField.of;
import static io.remotellm.connector.logging.JsonField.requestId;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One request's way to the LLM: its place in line ({@link LlmConnections}), then one attempt, or a
 * few when the connection fails before any byte of the answer (a small LLM server that could not
 * take the connection yet, or dropped it unread). The place is kept across retries and given up
 * once when the call ends, however it ends.
 */
final class LlmCall {
  private static final Logger LOG = Logger.getLogger(LlmCall.class.getName());

  /** Attempts per request when the connection fails before the LLM's answer begins. */
  static final int MAX_ATTEMPTS = 5;

  private static final long FIRST_RETRY_MILLIS = 50;
  private static final long MAX_RETRY_MILLIS = 1000;

  private final HttpUpstream upstream;
  private final HttpRequest request;
  private final AnswerFrames sink;
  private final AtomicBoolean released = new AtomicBoolean();
  private volatile LlmConnections.Place place;
  private volatile CompletableFuture<HttpResponse<Void>> exchange;
  private volatile LlmBodyRelay body;

  /** The LLM's status line came: from here on the answer is the LLM's, never retried. */
  private volatile boolean answered;

  private int attempts; // one attempt runs at a time, each after the previous one ended
  private boolean counted; // guarded by this: counted in answering

  LlmCall(HttpRequest request, AnswerFrames sink, HttpUpstream upstream) {
    this.request = request;
    this.sink = sink;
    this.upstream = upstream;
  }

  void enter() {
    sink.onCancel(this::cancel);
    place = upstream.connections.enter(this::attempt);
  }

  private void attempt() {
    if (sink.cancelled()) {
      release();
      return;
    }
    attempts++;
    CompletableFuture<HttpResponse<Void>> call;
    try {
      call = upstream.http.sendAsync(request, this::answer);
    } catch (RuntimeException e) {
      release();
      failed(e);
      return;
    }
    exchange = call;
    if (sink.cancelled()) {
      cancel();
    }
    call.whenComplete((response, error) -> ended(error));
  }

  private HttpResponse.BodySubscriber<Void> answer(HttpResponse.ResponseInfo info) {
    answered = true;
    synchronized (this) {
      // Counted only while the call holds its place: a late answer after a cancel leaks none.
      if (!released.get()) {
        counted = true;
        upstream.answering.incrementAndGet();
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    String type = info.headers().firstValue("content-type").orElse("application/octet-stream");
    headers.put("content-type", type);
    info.headers().firstValue("retry-after").ifPresent(v -> headers.put("retry-after", v));
    sink.head(info.statusCode(), headers);
    String lower = type.toLowerCase(Locale.ROOT);
    boolean sse = lower.startsWith("text/event-stream");
    // Ollama streams NDJSON; its lines travel as SSE payloads do, one frame each.
    boolean ndjson = lower.startsWith("application/x-ndjson");
    LlmBodyRelay relay = new LlmBodyRelay(sink, sse, ndjson, type.contains("json"));
    body = relay;
    if (info.statusCode() == 502 || info.statusCode() == 503 || info.statusCode() == 504) {
      upstream.onUnreachable.run();
    }
    return HttpResponse.BodySubscribers.fromSubscriber(relay);
  }

  /** Before the answer starts, cancelling the exchange aborts it; after, the body holds it. */
  private void cancel() {
    LlmConnections.Place p = place;
    if (p != null && p.leave()) {
      return; // still in line: nothing was sent, nothing is held
    }
    CompletableFuture<HttpResponse<Void>> call = exchange;
    if (call != null) {
      call.cancel(true);
    }
    LlmBodyRelay relay = body;
    if (relay != null) {
      relay.cancel();
    }
  }

  private void ended(Throwable error) {
    if (error == null || sink.cancelled()) {
      release();
      return;
    }
    Throwable cause = unwrap(error);
    if (!answered && attempts < MAX_ATTEMPTS && retryable(cause)) {
      long delay = retryDelay(attempts);
      log(
          LOG,
          Level.INFO,
          "request {0}: connection to the LLM failed before its answer, retrying",
          requestId(sink.requestId()),
          of("reason", describe(cause)),
          of("attempt", attempts),
          of("retry_in_ms", delay));
      try {
        upstream.timer.schedule(this::attempt, delay, TimeUnit.MILLISECONDS);
        return;
      } catch (RejectedExecutionException stopping) {
        // The connector is stopping: fail this request below instead.
      }
    }
    release();
    failed(error);
  }

  /**
   * A connection the LLM refused or did not accept in time is retried only while it is answering
   * other calls: it is up and merely busy. Otherwise it is down, and the client learns that at once
   * (502) rather than after the retries.
   */
  private boolean retryable(Throwable cause) {
    if (cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException) {
      return upstream.answering.get() > 0;
    }
    if (cause instanceof HttpTimeoutException) {
      return false; // the LLM took the request and is slow: that is its answer (504)
    }
    // Closed or reset before a status line ("header parser received no bytes"): the LLM never
    // began this answer.
    return cause instanceof IOException;
  }

  private void release() {
    synchronized (this) {
      if (!released.compareAndSet(false, true)) {
        return;
      }
      if (counted) {
        upstream.answering.decrementAndGet();
      }
    }
    upstream.connections.release();
  }

  /** Full jitter on a doubling ceiling, so retries that failed together do not return together. */
  static long retryDelay(int attempts) {
    long ceiling = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(attempts - 1, 10));
    return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  private static String describe(Throwable cause) {
    return cause.getClass().getSimpleName()
        + (cause instanceof ConnectException ? "" : ": " + cause.getMessage());
  }

  private void failed(Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof CancellationException) {
      return;
    }
    if (sink.headSent()) {
      sink.fail(502, "upstream_error", "the answer from the LLM broke off");
    } else if (cause instanceof HttpTimeoutException
        && !(cause instanceof HttpConnectTimeoutException)) {
      sink.fail(
          504,
          "upstream_timeout",
          "the LLM did not answer within " + upstream.timeout.toSeconds() + " s");
    } else {
      log(
          LOG,
          Level.WARNING,
          "request {0}: LLM unreachable ({1})",
          requestId(sink.requestId()),
          of("reason", describe(cause)));
      sink.fail(502, "upstream_error", "LLM unreachable");
      upstream.onUnreachable.run();
    }
  }
}
