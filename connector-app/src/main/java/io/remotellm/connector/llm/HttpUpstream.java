package io.remotellm.connector.llm;

import static io.remotellm.connector.logging.LogField.log;
import static io.remotellm.connector.logging.LogField.of;
import static io.remotellm.connector.logging.LogField.requestId;

import io.remotellm.protocol.Request;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Forwards requests to an OpenAI-compatible LLM with {@link HttpClient#sendAsync}: no thread waits
 * on a request. Headers go as the broker sent them (its injected key included), minus hop-by-hop
 * ones; the LLM's status and body come back unchanged, errors included. At most {@code
 * maxConnections} calls run at once, the others wait in line; a connection that fails before the
 * LLM's answer begins is retried a few times (issue 10: a burst against a small LLM server lost
 * requests with 502).
 */
public final class HttpUpstream implements Upstream {
  private static final Logger LOG = Logger.getLogger(HttpUpstream.class.getName());

  /** Per-connection headers (RFC 9110 §7.6.1) and those HttpClient sets itself. */
  private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection",
      "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
      "host", "content-length", "expect", "accept-encoding");

  /** Attempts per request when the connection fails before the LLM's answer begins. */
  static final int MAX_ATTEMPTS = 5;
  private static final long FIRST_RETRY_MILLIS = 50;
  private static final long MAX_RETRY_MILLIS = 1000;

  private final HttpClient http;
  private final URI base;
  private final String apiKey;
  private final Duration timeout;
  private final Runnable onUnreachable;
  private final LlmConnections connections;
  private final ScheduledExecutorService timer;
  /** Calls the LLM is answering right now (its status line came): proof that it is up. */
  private final AtomicInteger answering = new AtomicInteger();

  /**
   * @param base the LLM's base URL, no trailing slash
   * @param apiKey sent as a bearer token when the broker injected none; may be null
   * @param timeout how long the LLM may take to start answering
   * @param onUnreachable told when a forward failed for want of the LLM (to re-probe it)
   * @param maxConnections calls to the LLM at once; the rest wait in line
   * @param executor starts a waiting call when a place frees up
   * @param timer waits before a retry, without holding a thread
   */
  public HttpUpstream(HttpClient http, URI base, String apiKey, Duration timeout,
      Runnable onUnreachable, int maxConnections, Executor executor,
      ScheduledExecutorService timer) {
    this.http = http;
    this.base = base;
    this.apiKey = apiKey;
    this.timeout = timeout;
    this.onUnreachable = onUnreachable;
    this.connections = new LlmConnections(maxConnections, executor);
    this.timer = timer;
  }

  /** The base URL joined with the request path; a base ending in /v1 is not doubled by /v1/... */
  static URI target(URI base, String path) {
    String b = base.toString();
    String p = path.startsWith("/") ? path : "/" + path;
    if (b.endsWith("/v1") && (p.startsWith("/v1/") || p.equals("/v1"))) {
      p = p.substring(3);
    }
    return URI.create(b + p);
  }

  @Override
  public void forward(Request request, AnswerFrames sink) {
    HttpRequest.Builder builder;
    try {
      builder = HttpRequest.newBuilder(target(base, request.path())).timeout(timeout);
    } catch (IllegalArgumentException e) {
      sink.fail(400, "invalid_request_error", "invalid request path");
      return;
    }
    boolean hasBody = !request.body().isEmpty();
    builder.method(request.method(), hasBody
        ? HttpRequest.BodyPublishers.ofString(request.body())
        : HttpRequest.BodyPublishers.noBody());
    boolean authorization = false;
    boolean contentType = false;
    for (Map.Entry<String, String> header : request.headers().entrySet()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (NOT_FORWARDED.contains(name)) {
        continue;
      }
      try {
        builder.header(name, header.getValue());
        authorization |= name.equals("authorization");
        contentType |= name.equals("content-type");
      } catch (IllegalArgumentException restricted) {
        // HttpClient refuses a few headers it manages itself; the LLM gets its own values.
      }
    }
    if (!request.headers().containsKey("x-request-id")) {
      // The same id in every log line and at the LLM: the broker always sends one, a test may not.
      builder.header("x-request-id", sink.requestId());
    }
    if (!authorization && apiKey != null) {
      builder.header("authorization", "Bearer " + apiKey);
    }
    if (hasBody && !contentType) {
      builder.header("content-type", "application/json");
    }

    new Call(builder.build(), sink).enter();
  }

  /**
   * One request's way to the LLM: its place in line ({@link LlmConnections}), then one attempt,
   * or a few when the connection fails before any byte of the answer (a small LLM server that
   * could not take the connection yet, or dropped it unread). The place is kept across retries and
   * given up once when the call ends, however it ends.
   */
  private final class Call {
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

    Call(HttpRequest request, AnswerFrames sink) {
      this.request = request;
      this.sink = sink;
    }

    void enter() {
      sink.onCancel(this::cancel);
      place = connections.enter(this::attempt);
    }

    private void attempt() {
      if (sink.cancelled()) {
        release();
        return;
      }
      attempts++;
      CompletableFuture<HttpResponse<Void>> call;
      try {
        call = http.sendAsync(request, this::answer);
      } catch (RuntimeException e) {
        release();
        failed(sink, e);
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
          answering.incrementAndGet();
        }
      }
      Map<String, String> headers = new LinkedHashMap<>();
      String type = info.headers().firstValue("content-type").orElse("application/octet-stream");
      headers.put("content-type", type);
      info.headers().firstValue("retry-after").ifPresent(v -> headers.put("retry-after", v));
      sink.head(info.statusCode(), headers);
      boolean sse = type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
      LlmBodyRelay relay = new LlmBodyRelay(sink, sse, type.contains("json"));
      body = relay;
      if (info.statusCode() == 502 || info.statusCode() == 503 || info.statusCode() == 504) {
        onUnreachable.run();
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
        log(LOG, Level.INFO,
            "request {0}: connection to the LLM failed before its answer, retrying",
            requestId(sink.requestId()), of("reason", describe(cause)), of("attempt", attempts),
            of("retry_in_ms", delay));
        try {
          timer.schedule(this::attempt, delay, TimeUnit.MILLISECONDS);
          return;
        } catch (RejectedExecutionException stopping) {
          // The connector is stopping: fail this request below instead.
        }
      }
      release();
      failed(sink, error);
    }

    /**
     * A connection the LLM refused or did not accept in time is retried only while it is
     * answering other calls: it is up and merely busy. Otherwise it is down, and the client
     * learns that at once (502) rather than after the retries.
     */
    private boolean retryable(Throwable cause) {
      if (cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException) {
        return answering.get() > 0;
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
          answering.decrementAndGet();
        }
      }
      connections.release();
    }
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

  private void failed(AnswerFrames sink, Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof CancellationException) {
      return;
    }
    if (sink.headSent()) {
      sink.fail(502, "upstream_error", "the answer from the LLM broke off");
    } else if (cause instanceof HttpTimeoutException
        && !(cause instanceof HttpConnectTimeoutException)) {
      sink.fail(504, "upstream_timeout", "the LLM did not answer within " + timeout.toSeconds() + " s");
    } else {
      log(LOG, Level.WARNING, "request {0}: LLM unreachable ({1})", requestId(sink.requestId()),
          of("reason", describe(cause)));
      sink.fail(502, "upstream_error", "LLM unreachable");
      onUnreachable.run();
    }
  }
}
