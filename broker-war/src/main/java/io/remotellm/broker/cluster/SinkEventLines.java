package io.remotellm.broker.cluster;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.logging.AccessLog;
import io.remotellm.broker.relay.Dispatcher;
import io.remotellm.broker.relay.RelayRequest;
import io.remotellm.broker.relay.ResponseSink;
import io.remotellm.broker.usage.UsageRecorded;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The response sink of a request another broker forwarded here, whichever way its answer goes back
 * (an HTTP call's body, {@link ForwardedSink}, or a peer link, {@link PeerLinkSink}): each call of
 * the relay becomes a {@link SinkEvents} line, and the usage the last one, taken to the forwarding
 * broker, which counts it.
 */
abstract class SinkEventLines implements ResponseSink {
  private static final Logger LOG = Logger.getLogger(SinkEventLines.class.getName());

  private final boolean streaming;

  SinkEventLines(boolean streaming) {
    this.streaming = streaming;
  }

  /** One line of the answer, in order. */
  abstract void line(String line);

  /** The answer is over ({@code end} or {@code fail}); its usage line follows. */
  void ended() {}

  /** The last line of the request (its usage, or the error that refused it). */
  abstract void lastLine(String line);

  /**
   * Counts {@code bytes} more waiting in {@code waiting}; true, logged, when that makes a backlog
   * over {@code max} behind what is being written (one piece of any size may wait alone): the
   * forwarding broker reads too slowly and the request is to be cancelled.
   */
  static boolean overBound(AtomicLong waiting, long bytes, long max) {
    long before = waiting.getAndAdd(bytes);
    if (before > 0 && before + bytes > max) {
      LOG.log(
          Level.WARNING,
          "cluster: the forwarding broker reads too slowly: over {0} bytes waiting; cancelling",
          String.valueOf(max));
      return true;
    }
    return false;
  }

  /**
   * Relays a forwarded request to a connector of this broker, never to be forwarded again; a
   * refusal (no connector, draining, a bug) is the whole answer.
   */
  static void relay(Dispatcher dispatcher, RelayRequest request, SinkEventLines sink) {
    AccessLog access = new AccessLog(request.requestId(), "POST", System.nanoTime());
    access.handToRelay();
    try {
      dispatcher.startForwarded(request, sink, access);
    } catch (ApiException e) {
      sink.refuse(e.error());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cluster: a forwarded request failed before it was relayed", e);
      sink.refuse(ApiError.upstream("The broker serving this model failed"));
    }
  }

  @Override
  public boolean streaming() {
    return streaming;
  }

  @Override
  public void head(int status, Map<String, String> headers) {
    line(SinkEvents.head(status, headers));
  }

  @Override
  public void data(String payload) {
    line(SinkEvents.data(null, payload));
  }

  @Override
  public void data(String event, String payload) {
    line(SinkEvents.data(event, payload));
  }

  @Override
  public void keepAlive() {
    line(SinkEvents.keepAlive());
  }

  @Override
  public void end() {
    line(SinkEvents.end());
    ended();
  }

  @Override
  public void fail(ApiError error, boolean afterHead) {
    line(SinkEvents.fail(error, afterHead));
    ended();
  }

  /** A request the relay refused before taking it: the error is the whole answer. */
  void refuse(ApiError error) {
    lastLine(SinkEvents.fail(error, false));
  }

  @Override
  public boolean forwardsUsage() {
    return true;
  }

  @Override
  public void forwardUsage(UsageRecorded usage) {
    lastLine(
        SinkEvents.usage(
            usage.connectorId(),
            usage.status(),
            usage.cancelled(),
            usage.usage(),
            usage.timeToFirstToken()));
  }
}
