package io.remotellm.broker.logging;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One API request's access-log line, on the logger {@code io.remotellm.broker.access}: written by
 * this object, exactly once, and nowhere else. The API's request filter makes one as a request
 * arrives. A request handed to the relay ({@link #handToRelay}) gets its line from the relay's
 * dispatcher when the answer is complete ({@link #relayed}: it knows the connector, the attempts
 * and how it ended, and a stream ends long after its response left the filters); any other
 * (refused, invalid, a listing) gets it from the response filter as the response leaves ({@link
 * #answeredHere}).
 */
public final class AccessLog {

  /** The request property under which the API's filters and resources find the request's line. */
  public static final String PROPERTY = "io.remotellm.broker.access-log";

  private static final Logger ACCESS = Logger.getLogger("io.remotellm.broker.access");

  private final Object requestId;
  private final String method;
  private final long startNanos;
  private final AtomicBoolean relayOwns = new AtomicBoolean();
  private final AtomicBoolean written = new AtomicBoolean();

  public AccessLog(Object requestId, String method, long startNanos) {
    this.requestId = requestId;
    this.method = method;
    this.startNanos = startNanos;
  }

  /**
   * The relay will write the line when the answer is complete. Called before the relay starts, as
   * the answer may come back on another thread at once.
   */
  public void handToRelay() {
    relayOwns.set(true);
  }

  /** Whether the relay has the request: it then reports how the request ended. */
  public boolean relayOwns() {
    return relayOwns.get();
  }

  /** The relay refused the request before taking it (e.g. no connector): the line is ours again. */
  public void takeBack() {
    relayOwns.set(false);
  }

  /** The line of a request the relay never took, as its response leaves; {@code path} under /v1. */
  public void answeredHere(String path, String model, int status, boolean streamed) {
    if (relayOwns.get() || !written.compareAndSet(false, true)) {
      return;
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    LogFields.of("request_id", requestId)
        .and("method", method)
        .and("path", path)
        .and("model", model)
        .and("status", status)
        .and("duration_ms", millis)
        .and("streamed", streamed)
        .logFrom(
            AccessLog.class,
            "answeredHere",
            ACCESS,
            Level.INFO,
            "request {0} {1} {2} model={3} connector=- status={4} durationMs={5} streamed={6}",
            requestId,
            method,
            path,
            model == null ? "-" : model,
            String.valueOf(status),
            String.valueOf(millis),
            streamed);
  }

  /**
   * The line of a relayed request; {@code fields} already name the request and connector, {@code
   * millis} count from when the relay took it.
   */
  public void relayed(
      LogFields fields,
      String model,
      String connectorId,
      String fingerprint,
      int status,
      long millis,
      boolean streamed,
      int attempts,
      String errorCode) {
    if (!written.compareAndSet(false, true)) {
      return;
    }
    fields
        .and("status", status)
        .and("duration_ms", millis)
        .and("streamed", streamed)
        .and("attempts", attempts)
        .and("error_code", errorCode)
        .logFrom(
            AccessLog.class,
            "relayed",
            ACCESS,
            Level.INFO,
            "request {0} model={1} connector={2} fingerprint={3} status={4} durationMs={5}"
                + " streamed={6} attempts={7} error={8}",
            requestId,
            model,
            connectorId == null ? "-" : connectorId,
            fingerprint == null ? "-" : fingerprint,
            String.valueOf(status),
            String.valueOf(millis),
            streamed,
            attempts,
            errorCode == null ? "-" : errorCode);
  }
}
