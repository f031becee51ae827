package io.remotellm.connector.llm;

import static io.remotellm.connector.logging.JsonField.log;
import static io.remotellm.connector.logging.JsonField.of;
import static io.remotellm.connector.logging.JsonField.requestId;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Scheduler;

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
  private final Supplier<Request> newRequest;
  private final AnswerFrames sink;
  private final AtomicBoolean released = new AtomicBoolean();
  private volatile LlmConnections.Place place;
  private volatile Request exchange;
  private volatile LlmBodyRelay body;

  /** The LLM's status line came: from here on the answer is the LLM's, never retried. */
  private volatile boolean answered;

  private int attempts; // one attempt runs at a time, each after the previous one ended
  private boolean counted; // guarded by this: counted in answering

  /**
   * @param newRequest a fresh request for each attempt (a Jetty request is sent once)
   */
  LlmCall(Supplier<Request> newRequest, AnswerFrames sink, HttpUpstream upstream) {
    this.newRequest = newRequest;
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
    Request request;
    try {
      request = newRequest.get();
    } catch (RuntimeException e) {
      release();
      failed(e);
      return;
    }
    // The LLM has this long to begin its answer (the status line); a stream may then run on.
    // Jetty's own request timeout would also bound the body, so this one is ours.
    Scheduler.Task timeout =
        upstream
            .http
            .getScheduler()
            .schedule(
                () -> request.abort(new AnswerTimeout(upstream.timeout.toSeconds())),
                upstream.timeout.toMillis(),
                TimeUnit.MILLISECONDS);
    request.onResponseBegin(response -> timeout.cancel()).onResponseContentSource(this::answer);
    exchange = request;
    try {
      request.send(
          result -> {
            timeout.cancel();
            ended(result);
          });
    } catch (RuntimeException e) {
      timeout.cancel();
      release();
      failed(e);
      return;
    }
    if (sink.cancelled()) {
      cancel();
    }
  }

  private void answer(Response response, Content.Source source) {
    answered = true;
    synchronized (this) {
      // Counted only while the call holds its place: a late answer after a cancel leaks none.
      if (!released.get()) {
        counted = true;
        upstream.answering.incrementAndGet();
      }
    }
    int status = response.getStatus();
    HttpFields fields = response.getHeaders();
    Map<String, String> headers = new LinkedHashMap<>();
    String type = fields.get("content-type");
    if (type == null) {
      type = "application/octet-stream";
    }
    headers.put("content-type", type);
    String retryAfter = fields.get("retry-after");
    if (retryAfter != null) {
      headers.put("retry-after", retryAfter);
    }
    sink.head(status, headers);
    String lower = type.toLowerCase(Locale.ROOT);
    boolean sse = lower.startsWith("text/event-stream");
    // Ollama streams NDJSON; its lines travel as SSE payloads do, one frame each.
    boolean ndjson = lower.startsWith("application/x-ndjson");
    LlmBodyRelay relay = new LlmBodyRelay(sink, sse, ndjson, type.contains("json"));
    body = relay;
    if (status == 502 || status == 503 || status == 504) {
      upstream.onUnreachable.run();
    }
    relay.start(response, source);
  }

  /** Before the answer starts, aborting the request ends it; after, the body holds it. */
  private void cancel() {
    LlmConnections.Place p = place;
    if (p != null && p.leave()) {
      return; // still in line: nothing was sent, nothing is held
    }
    LlmBodyRelay relay = body;
    if (relay != null) {
      relay.cancel();
    }
    Request request = exchange;
    if (request != null) {
      // With HTTP/1.1 this closes the connection, so the LLM sees the client gone.
      request.abort(new CancellationException("cancelled by the broker"));
    }
  }

  private void ended(Result result) {
    Throwable error = result.getFailure();
    if (error == null || sink.cancelled()) {
      release();
      return;
    }
    if (!answered && attempts < MAX_ATTEMPTS && retryable(error)) {
      long delay = retryDelay(attempts);
      log(
          LOG,
          Level.INFO,
          "request {0}: connection to the LLM failed before its answer, retrying",
          requestId(sink.requestId()),
          of("reason", describe(error)),
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
    if (connectFailure(cause)) {
      return upstream.answering.get() > 0;
    }
    if (cause instanceof AnswerTimeout) {
      return false; // the LLM took the request and is slow: that is its answer (504)
    }
    // Closed or reset before a status line (EOFException and the like): the LLM never began this
    // answer.
    return cause instanceof IOException;
  }

  /** Refused, or not accepted within the connect timeout (Jetty's "Connect Timeout"). */
  private static boolean connectFailure(Throwable cause) {
    return cause instanceof ConnectException || cause instanceof SocketTimeoutException;
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

  private static String describe(Throwable cause) {
    if (cause instanceof ConnectException) {
      return cause.getClass().getSimpleName();
    }
    if (cause instanceof EOFException) {
      // Jetty's message is a dump of the connection's state: long, and nothing for an operator.
      return "EOFException: the LLM closed the connection before its answer";
    }
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }

  private void failed(Throwable cause) {
    if (cause instanceof CancellationException) {
      return;
    }
    if (sink.headSent()) {
      sink.fail(502, "upstream_error", "the answer from the LLM broke off");
    } else if (cause instanceof AnswerTimeout) {
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

  /** The LLM did not begin its answer within the timeout (--llm-timeout). */
  static final class AnswerTimeout extends TimeoutException {
    private static final long serialVersionUID = 1L;

    AnswerTimeout(long seconds) {
      super("the LLM did not begin its answer within " + seconds + " s");
    }
  }
}
