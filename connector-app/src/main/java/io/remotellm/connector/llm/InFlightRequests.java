package io.remotellm.connector.llm;

import static io.remotellm.connector.logging.JsonField.log;
import static io.remotellm.connector.logging.JsonField.of;
import static io.remotellm.connector.logging.JsonField.requestId;

import io.remotellm.connector.connection.FrameSender;
import io.remotellm.connector.connection.RequestHandler;
import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.RelayedEndpoints;
import io.remotellm.protocol.Request;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The requests being answered right now: admits up to {@code capacity} (more get {@code error} 503
 * {@code at_capacity}, so the broker can go elsewhere), routes {@code cancel} to the right one,
 * stops them all when the socket goes, and lets shutdown wait for them to finish.
 */
public final class InFlightRequests implements RequestHandler {
  private static final Logger LOG = Logger.getLogger(InFlightRequests.class.getName());

  private final Upstream upstream;
  private final int capacity;
  private final Map<String, AnswerFrames> running = new ConcurrentHashMap<>();
  private final Object idle = new Object();
  private int count; // guarded by idle
  private volatile boolean draining;

  public InFlightRequests(Upstream upstream, int capacity) {
    this.upstream = upstream;
    this.capacity = capacity;
  }

  @Override
  public void onRequest(Request request, FrameSender sender) {
    String requestId = request.headers().getOrDefault("x-request-id", request.id());
    if (!RelayedEndpoints.allows(request.method(), request.path())) {
      // Whoever holds the broker end must not reach the rest of the LLM server's API (an
      // Ollama's model deletion, a llama.cpp's slots) through this connector.
      sender.send(
          new Failure(
              request.id(),
              403,
              "endpoint_not_allowed",
              "this connector forwards only " + RelayedEndpoints.describe()));
      log(
          LOG,
          Level.WARNING,
          "request {0} refused: {1} {2} is not an endpoint this connector forwards",
          requestId(requestId),
          of("method", request.method()),
          of("path", request.path()));
      return;
    }
    if (draining) {
      sender.send(new Failure(request.id(), 503, "unavailable", "connector shutting down"));
      log(LOG, Level.INFO, "request {0} refused: shutting down", requestId(requestId));
      return;
    }
    synchronized (idle) {
      if (count >= capacity) {
        sender.send(
            new Failure(
                request.id(), 503, "at_capacity", "connector at capacity (" + capacity + ")"));
        log(
            LOG,
            Level.WARNING,
            "request {0} refused: at capacity",
            requestId(requestId),
            of("capacity", capacity));
        return;
      }
      count++;
    }
    AnswerFrames[] self = new AnswerFrames[1];
    AnswerFrames sink =
        new AnswerFrames(request.id(), requestId, sender, () -> release(request.id(), self[0]));
    self[0] = sink;
    if (running.putIfAbsent(request.id(), sink) != null) {
      release(null, null);
      sender.send(new Failure(request.id(), 400, "invalid_request_error", "duplicate request id"));
      return;
    }
    log(
        LOG,
        Level.FINE,
        "request {0} forwarding",
        requestId(requestId),
        of("frame_id", request.id()),
        of("method", request.method()),
        of("path", request.path()),
        of("stream", request.stream()));
    try {
      upstream.forward(request, sink);
    } catch (RuntimeException e) {
      log(LOG, Level.WARNING, "request {0} could not be forwarded", e, requestId(requestId));
      sink.fail(502, "upstream_error", "connector could not forward the request");
    }
  }

  @Override
  public void onCancel(Cancel cancel) {
    AnswerFrames sink = running.get(cancel.id());
    if (sink != null) {
      sink.cancel(cancel.reason().isEmpty() ? "by the broker" : cancel.reason());
    }
  }

  @Override
  public void onDisconnected() {
    for (AnswerFrames sink : running.values()) {
      sink.cancel("relay socket lost");
    }
  }

  public int size() {
    synchronized (idle) {
      return count;
    }
  }

  /** From now on new requests are refused with 503 {@code unavailable}. */
  public void stopAccepting() {
    draining = true;
  }

  /** Waits until nothing is in flight or {@code timeout} passed; true if all finished. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (idle) {
      while (count > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(idle, left);
      }
      return true;
    }
  }

  private void release(String id, AnswerFrames sink) {
    if (id != null) {
      running.remove(id, sink);
    }
    synchronized (idle) {
      count--;
      idle.notifyAll();
    }
  }
}
